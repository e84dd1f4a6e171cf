import Foundation
import QueueStore
import Testing

@testable import Worker

/// The worker's held set is of claims: a job claimed again while its earlier call is out stays held
/// when that earlier call ends.
struct HeldClaimsTests {
    func job(_ id: Int64, token: Int64) -> ClaimedJob {
        ClaimedJob(
            id: id, batchID: 1, customID: "j\(id)", priority: 0, requestJSON: "{}", models: ["m1"], modelIndex: 0, attempts: 0, modelAttempts: 0,
            maxAttempts: 3, promptCharacters: 10, maxTokens: nil, leaseExpiresAt: Date(), claimToken: token)
    }

    @Test func theEarlierCallsEndLetsGoOfItsOwnClaimOnlyNotTheJobsLaterOne() {
        var held = HeldClaims()
        let earlier = job(7, token: 1)
        let later = job(7, token: 2)
        held.add([earlier, job(8, token: 1)])
        held.add([later])
        held.remove(earlier)
        #expect(held.claims == [HeldClaim(jobID: 7, claimToken: 2), HeldClaim(jobID: 8, claimToken: 1)])
        held.remove(later)
        #expect(held.claims == [HeldClaim(jobID: 8, claimToken: 1)])
    }
}
