import Foundation
import ServiceRuntime

/// A horizontal bar chart drawn on the server as SVG, accessible (a title, a description and
/// a text alternative in the page's table), without a script.
public enum SVGChart {
    public struct Bar: Sendable {
        public var label: String
        /// What the bar stands for in full (an envelope's amount).
        public var total: Int64
        /// The parts, drawn one after the other from the left (disbursed, then committed, say).
        public var parts: [Int64]
        /// The words beside the bar (`62 % · €1,250,000.00`).
        public var caption: String

        public init(label: String, total: Int64, parts: [Int64], caption: String) {
            self.label = label
            self.total = total
            self.parts = parts
            self.caption = caption
        }
    }

    /// The SVG of `bars`; `legend` names each part (in the order of ``Bar/parts``).
    public static func bars(_ bars: [Bar], legend: [String], title: String) -> String {
        let esc = HTML.escaped
        let labelWidth = 190, barWidth = 420, rowHeight = 34, top = 28
        let height = top + bars.count * rowHeight + 12
        let classes = ["part-a", "part-b", "part-c"]
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(labelWidth + barWidth + 180) \(height)" role="img" aria-labelledby="chart-title" class="chart">
            <title id="chart-title">\(esc(title))</title>
            """
        var x = labelWidth
        for (index, name) in legend.enumerated() {
            svg += "<rect x=\"\(x)\" y=\"6\" width=\"12\" height=\"12\" class=\"\(classes[index % 3])\"/><text x=\"\(x + 16)\" y=\"16\" class=\"legend\">\(esc(name))</text>"
            x += 16 + name.count * 7 + 18
        }
        for (row, bar) in bars.enumerated() {
            let y = top + row * rowHeight
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 18)\" text-anchor=\"end\" class=\"label\">\(esc(bar.label))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(barWidth)\" height=\"20\" class=\"track\"/>"
            var offset = 0
            for (index, part) in bar.parts.enumerated() where bar.total > 0 && part > 0 {
                let width = Int((Double(min(part, bar.total)) / Double(bar.total) * Double(barWidth)).rounded())
                let clipped = min(width, barWidth - offset)
                if clipped > 0 {
                    svg += "<rect x=\"\(labelWidth + offset)\" y=\"\(y + 4)\" width=\"\(clipped)\" height=\"20\" class=\"\(classes[index % 3])\"/>"
                }
                offset += clipped
            }
            svg += "<text x=\"\(labelWidth + barWidth + 8)\" y=\"\(y + 18)\" class=\"caption\">\(esc(bar.caption))</text>"
        }
        return svg + "</svg>"
    }
}
