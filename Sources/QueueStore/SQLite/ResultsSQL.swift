/// Every statement on `results`.
enum ResultsSQL {
    static let insert = """
        INSERT INTO results (job_id, model, content, finish_reason, prompt_tokens, completion_tokens, total_tokens,
                             queue_time, prompt_time, completion_time, total_time, response_id, request_id,
                             raw_response, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
}
