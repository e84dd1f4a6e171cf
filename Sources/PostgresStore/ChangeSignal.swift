import Foundation

/// Wakes the tasks waiting for the queue to change when a notification arrives (`fire`). A wait also
/// ends at its timeout and when its task is cancelled.
actor ChangeSignal {
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]

    func fire() {
        for waiter in waiters.values { waiter.resume() }
        waiters = [:]
    }

    /// Waits for the next `fire`, `timeout`, or the task's cancellation, whichever comes first.
    func wait(timeout: TimeInterval) async {
        let id = UUID()
        let timer = Task {
            try? await Task.sleep(for: .seconds(timeout))
            self.end(id)
        }
        await withTaskCancellationHandler {
            // Registered before the actor is given up: a `fire` or `end` that comes later finds it.
            await withCheckedContinuation { waiters[id] = $0 }
        } onCancel: {
            Task { await self.end(id) }
        }
        timer.cancel()
    }

    private func end(_ id: UUID) {
        waiters.removeValue(forKey: id)?.resume()
    }
}
