import Foundation
import Mustache

/// The dashboard's Mustache templates, parsed once from the copy the binary carries. Values are
/// HTML-escaped (`{{x}}`); only markup the server drew itself (bars, gauges, the page body) goes in
/// unescaped (`{{{x}}}`).
struct DashboardTemplates: Sendable {
    let pages: [String: MustacheTemplate]
    let stylesheet: String

    init() throws {
        var pages: [String: MustacheTemplate] = [:]
        for (name, text) in EmbeddedTemplates.files where name.hasSuffix(".mustache") {
            pages[String(name.dropLast(".mustache".count))] = try MustacheTemplate(string: text)
        }
        self.pages = pages
        stylesheet = EmbeddedTemplates.files["style.css"] ?? ""
    }

    /// A whole page: `page` rendered with `context`, inside the layout.
    func render(_ page: String, title: String, context: [String: Any], api: String, location: String, refresh: Int? = nil) -> String {
        let body = pages[page]?.render(context) ?? ""
        var layout: [String: Any] = [
            "title": title, "body": body, "api": api, "location": location,
            "now": Self.timestamp.string(from: Date()),
        ]
        if let refresh { layout["refresh"] = refresh }
        return pages["layout"]?.render(layout) ?? body
    }

    static let timestamp: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter
    }()
}
