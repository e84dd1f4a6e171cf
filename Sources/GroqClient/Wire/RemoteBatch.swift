/// A batch at the provider (`/batches`), in the status machine Groq shares with OpenAI.
public struct RemoteBatch: Sendable, Equatable, Decodable, Identified {
    public struct Counts: Sendable, Equatable, Decodable {
        public var total: Int
        public var completed: Int
        public var failed: Int
    }

    public var id: String
    public var status: String
    public var inputFileID: String
    public var outputFileID: String?
    public var errorFileID: String?
    public var completionWindow: String?
    public var createdAt: Int?
    public var expiresAt: Int?
    public var requestCounts: Counts?
    public var metadata: [String: String]?
    /// Why a `failed` batch failed: the provider's refusals of its input, as codes and messages.
    public var errors: Errors?

    /// A batch's `errors` list.
    public struct Errors: Sendable, Equatable, Decodable {
        public struct Entry: Sendable, Equatable, Decodable {
            public var code: String?
            public var message: String?
            public var line: Int?
        }
        public var data: [Entry]?
    }

    /// No more change will come: the output and error files are final.
    public var isFinal: Bool { ["completed", "failed", "expired", "cancelled"].contains(status) }

    enum CodingKeys: String, CodingKey {
        case id, status, metadata, errors
        case inputFileID = "input_file_id"
        case outputFileID = "output_file_id"
        case errorFileID = "error_file_id"
        case completionWindow = "completion_window"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case requestCounts = "request_counts"
    }
}
