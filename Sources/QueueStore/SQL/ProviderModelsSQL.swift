/// Every statement on `provider_models`.
enum ProviderModelsSQL {
    static let all = """
        SELECT id, context_window, max_output, owned_by, status FROM provider_models WHERE provider = ? ORDER BY id
        """
    static let upsert = """
        INSERT INTO provider_models (provider, id, context_window, max_output, owned_by, status, refreshed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (provider, id) DO UPDATE SET
            context_window = COALESCE(excluded.context_window, provider_models.context_window),
            max_output = COALESCE(excluded.max_output, provider_models.max_output),
            owned_by = COALESCE(excluded.owned_by, provider_models.owned_by),
            status = excluded.status, refreshed_at = excluded.refreshed_at
        """
}
