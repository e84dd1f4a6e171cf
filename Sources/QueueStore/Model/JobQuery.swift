import Foundation

/// A page of jobs as the dashboard lists them: filters, and the keyset to continue after.
public struct JobQuery: Sendable, Equatable {
    public var batch: String?
    public var status: JobStatus?
    /// The job's last error code.
    public var errorCode: String?
    /// The model that answered, or the one the job waits for.
    public var model: String?
    /// A `custom_id`, or the start of one.
    public var search: String?
    /// Jobs with an id above this one (the last of the previous page).
    public var after: Int64?
    public var limit: Int

    public init(
        batch: String? = nil, status: JobStatus? = nil, errorCode: String? = nil, model: String? = nil, search: String? = nil,
        after: Int64? = nil, limit: Int = 50
    ) {
        self.batch = batch
        self.status = status
        self.errorCode = errorCode
        self.model = model
        self.search = search
        self.after = after
        self.limit = limit
    }
}
