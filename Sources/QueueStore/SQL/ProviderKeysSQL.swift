/// The statements that move a provider's records from an older spelling of its base URL to its
/// `ProviderKey` (`adoptProviderSpellings`). Each moves only the rows the key has no row of its own for.
enum ProviderKeysSQL {
    /// Every spelling a provider's records are kept under.
    static let spellings = """
        SELECT provider FROM budgets UNION SELECT provider FROM token_estimates
        UNION SELECT provider FROM provider_models UNION SELECT provider FROM prompt_prefixes
        """
    /// Meters (with their spends: the day's use of a daily limit goes along), estimators, the model list
    /// and warm prefixes; `?1` is the key, `?2` the older spelling.
    static let moves = [
        """
        UPDATE budgets SET provider = ?1 WHERE provider = ?2
          AND NOT EXISTS (SELECT 1 FROM budgets o WHERE o.provider = ?1 AND o.model = budgets.model AND o.kind = budgets.kind)
        """,
        """
        UPDATE token_estimates SET provider = ?1 WHERE provider = ?2
          AND NOT EXISTS (SELECT 1 FROM token_estimates o WHERE o.provider = ?1 AND o.model = token_estimates.model)
        """,
        """
        UPDATE provider_models SET provider = ?1 WHERE provider = ?2
          AND NOT EXISTS (SELECT 1 FROM provider_models o WHERE o.provider = ?1 AND o.id = provider_models.id)
        """,
        """
        UPDATE prompt_prefixes SET provider = ?1 WHERE provider = ?2
          AND NOT EXISTS (SELECT 1 FROM prompt_prefixes o WHERE o.provider = ?1 AND o.model = prompt_prefixes.model
                          AND o.prefix_key = prompt_prefixes.prefix_key)
        """,
    ]
}
