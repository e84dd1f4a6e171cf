import QueueStore

/// The claims a worker is working on, from the claim until the outcome is written: the only leases its
/// heartbeat renews (a claim lost with its answer may have leased it others), and the only ones of its
/// own it does not return to the queue when they look expired.
///
/// Claims, not job ids: a job whose lease lapsed while its call was out can be claimed again by the
/// same worker. Its earlier call's end must then let go of the earlier claim only; with ids it took the
/// new one's renewal with it, the new lease lapsed mid-call and the job was sent a third time.
struct HeldClaims: Sendable {
    private(set) var claims: Set<HeldClaim> = []

    /// Holds the claims under which `jobs` were leased.
    mutating func add(_ jobs: some Sequence<ClaimedJob>) {
        claims.formUnion(jobs.map(HeldClaim.init))
    }

    /// Lets go of the claim under which `job` was leased (its outcome is written); any later claim of
    /// the same job stays held.
    mutating func remove(_ job: ClaimedJob) {
        claims.remove(HeldClaim(job))
    }
}
