/// Everything a groqbatch command, worker or benchmark may ask of a queue database: the worker's queue
/// (`JobStore`), remote batches, imports, reports and administration. `SQLiteJobStore` is one; a second
/// store implements these and the rest of the program runs on it unchanged.
public typealias QueueDatabase = JobStore & RemoteBatchStore & ImportStore & ReportStore & AdminStore

extension SQLiteJobStore: JobStore, ImportStore, ReportStore, AdminStore {}
