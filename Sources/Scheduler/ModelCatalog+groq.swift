import Foundation

extension ModelCatalog {
    /// Groq's models and published free-tier limits as of late 2026, with on-demand prices in US
    /// dollars per million tokens. Kept as JSON so it reads (and is replaced) as data.
    public static let groq: ModelCatalog = try! decode(Data(groqJSON.utf8), source: .catalog, name: "built-in catalog")

    static let groqJSON = """
        {"models": [
          {"id": "openai/gpt-oss-120b", "context_window": 131072, "max_output": 65536,
           "rpm": 30, "rpd": 1000, "tpm": 8000, "tpd": 200000, "input_price": 0.15, "output_price": 0.60, "status": "active",
           "strict_json_schema": true, "prompt_caching": true},
          {"id": "openai/gpt-oss-20b", "context_window": 131072, "max_output": 65536,
           "rpm": 30, "rpd": 1000, "tpm": 8000, "tpd": 200000, "input_price": 0.075, "output_price": 0.30, "status": "active",
           "strict_json_schema": true, "prompt_caching": true},
          {"id": "qwen/qwen3.6-27b", "context_window": 32768, "max_output": 16384,
           "rpm": 60, "rpd": 1000, "tpm": 6000, "tpd": 500000, "input_price": 0.29, "output_price": 0.59, "status": "active"},
          {"id": "llama-3.3-70b-versatile", "context_window": 131072, "max_output": 32768, "status": "decommissioned"},
          {"id": "llama-3.1-8b-instant", "context_window": 131072, "max_output": 8192, "status": "decommissioned"}
        ]}
        """
}
