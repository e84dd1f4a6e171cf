import Foundation
import QueueStore

/// Charts drawn on the server as inline SVG: no script, nothing fetched, and readable as numbers too.
enum DashboardDrawing {
    /// A batch's progress as one bar of coloured segments, in the order jobs end up.
    static func progressBar(_ status: BatchStatus, width: Double = 240) -> String {
        let total = Double(max(status.total, 1))
        let parts: [(String, Int)] = [
            ("succeeded", status.succeeded), ("failed", status.failed), ("expired", status.expired), ("cancelled", status.cancelled),
            ("running", status.running), ("queued", status.queued),
        ]
        var x = 0.0
        var rects = ""
        for (name, count) in parts where count > 0 {
            let w = width * Double(count) / total
            rects += #"<rect class="\#(name)" x="\#(format(x))" y="0" width="\#(format(w))" height="12"><title>\#(count) \#(name)</title></rect>"#
            x += w
        }
        return #"<svg class="bar" width="\#(format(width))" height="12" role="img" aria-label="progress">\#(rects)</svg>"#
    }

    /// A meter's use of its limit.
    static func gauge(used: Int, limit: Int?, blocked: Bool, width: Double = 160) -> String {
        guard let limit, limit > 0 else { return "" }
        let w = width * min(1, Double(used) / Double(limit))
        return
            #"<svg class="gauge\#(blocked ? " blocked" : "")" width="\#(format(width))" height="10" role="img" aria-label="use"><rect class="free" x="0" y="0" width="\#(format(width))" height="10"/><rect class="used" x="0" y="0" width="\#(format(w))" height="10"><title>\#(used) of \#(limit)</title></rect></svg>"#
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    /// The share finished, in whole percent.
    static func percentDone(_ status: BatchStatus) -> Int {
        guard status.total > 0 else { return 0 }
        return (status.succeeded + status.failed + status.cancelled + status.expired) * 100 / status.total
    }
}
