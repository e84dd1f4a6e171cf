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

    /// Tokens per minute as bars, requests per minute as a line on their own scale, 429s as red ticks,
    /// and the tokens-per-minute limit as a dashed line.
    static func throughputChart(_ minutes: [MinuteOfCalls], tokenLimit: Int?, width: Double = 720, height: Double = 160) -> String {
        guard !minutes.isEmpty else { return "" }
        let top = Double(max(minutes.map(\.tokens).max() ?? 1, tokenLimit ?? 0, 1)) * 1.1
        let step = width / Double(max(minutes.count, 1))
        var marks = ""
        for (index, minute) in minutes.enumerated() {
            let h = height * Double(minute.tokens) / top
            let x = Double(index) * step
            let label =
                "\(DashboardTemplates.timestamp.string(from: minute.minute).dropLast(3)): \(minute.requests) requests, \(minute.tokens) tokens, \(minute.rateLimited) 429s"
            marks +=
                #"<rect class="tokens" x="\#(format(x))" y="\#(format(height - h))" width="\#(format(max(step - 1, 1)))" height="\#(format(h))"><title>\#(label)</title></rect>"#
            if minute.rateLimited > 0 {
                marks += #"<rect class="limited" x="\#(format(x))" y="\#(format(height - 4))" width="\#(format(max(step - 1, 1)))" height="4"/>"#
            }
        }
        let mostRequests = Double(max(minutes.map(\.requests).max() ?? 1, 1)) * 1.1
        let points = minutes.enumerated().map { index, minute in
            "\(format(Double(index) * step + step / 2)),\(format(height - height * Double(minute.requests) / mostRequests))"
        }
        marks +=
            #"<polyline class="requests" points="\#(points.joined(separator: " "))"><title>requests per minute (peak \#(minutes.map(\.requests).max() ?? 0))</title></polyline>"#
        if let tokenLimit {
            let y = height - height * Double(tokenLimit) / top
            marks +=
                #"<line class="limit" x1="0" y1="\#(format(y))" x2="\#(format(width))" y2="\#(format(y))"><title>\#(tokenLimit) tokens per minute: the limit</title></line>"#
        }
        return #"<svg class="chart" width="\#(format(width))" height="\#(format(height))" role="img" aria-label="tokens per minute">\#(marks)</svg>"#
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    /// The share finished, in whole percent.
    static func percentDone(_ status: BatchStatus) -> Int {
        guard status.total > 0 else { return 0 }
        return (status.succeeded + status.failed + status.cancelled + status.expired) * 100 / status.total
    }
}
