enum PlaceholderGroqSimulator {}
