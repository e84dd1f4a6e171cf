enum PlaceholderGroqClient {}
