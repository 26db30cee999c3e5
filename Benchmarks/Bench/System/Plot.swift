import Foundation

/// A cumulative distribution plot of latencies, as a self-contained SVG picture: one line per
/// series, x in milliseconds on a logarithmic axis (so the median and the tail both show),
/// y the fraction of events at or below.
enum CDFPlot {
    struct Series {
        var label: String
        var values: [Double]
    }

    static let colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    static func svg(title: String, series: [Series], width: Double = 760, height: Double = 420) -> String {
        let left = 60.0, right = 200.0, top = 40.0, bottom = 50.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let all = series.flatMap(\.values).filter { $0 > 0 }
        let low = pow(10, floor(log10(max(0.1, all.min() ?? 1))))
        let high = pow(10, ceil(log10(max(low * 10, all.max() ?? 10))))
        func x(_ value: Double) -> Double { left + (log10(max(value, low)) - log10(low)) / (log10(high) - log10(low)) * plotWidth }
        func y(_ fraction: Double) -> Double { top + (1 - fraction) * plotHeight }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="22" font-size="15" font-weight="bold">\(escape(title))</text>

            """
        // Grid and axes: decades and their 2 and 5 on x, tenths on y.
        var decade = low
        while decade <= high * 1.0001 {
            for step in [1.0, 2.0, 5.0] where decade * step <= high * 1.0001 {
                let position = x(decade * step)
                svg += "<line x1=\"\(f(position))\" y1=\"\(f(top))\" x2=\"\(f(position))\" y2=\"\(f(top + plotHeight))\" stroke=\"#ddd\"/>\n"
                svg += "<text x=\"\(f(position))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\">\(label(decade * step))</text>\n"
            }
            decade *= 10
        }
        for tenth in 0...10 {
            let position = y(Double(tenth) / 10)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(position))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(position))\" stroke=\"#eee\"/>\n"
            if tenth % 2 == 0 {
                svg += "<text x=\"\(f(left - 6))\" y=\"\(f(position + 4))\" text-anchor=\"end\">\(tenth * 10)%</text>\n"
            }
        }
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#333\"/>\n"
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">milliseconds from the producer's commit to the consumer's commit (log scale)</text>\n"
        svg += "<text transform=\"translate(16 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">events at or below</text>\n"
        for (index, item) in series.enumerated() {
            let sorted = item.values.sorted()
            guard !sorted.isEmpty else { continue }
            let colour = colours[index % colours.count]
            // At most ~400 points per line: every rank on a small run, evenly spaced ranks on a large one.
            let stride = max(1, sorted.count / 400)
            var points: [String] = []
            for rank in Swift.stride(from: 0, to: sorted.count, by: stride) + [sorted.count - 1] {
                points.append("\(f(x(sorted[rank]))),\(f(y(Double(rank + 1) / Double(sorted.count))))")
            }
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
            let legendY = top + 14 + Double(index) * 20
            svg += "<line x1=\"\(f(left + plotWidth + 14))\" y1=\"\(f(legendY - 4))\" x2=\"\(f(left + plotWidth + 34))\" y2=\"\(f(legendY - 4))\" stroke=\"\(colour)\" stroke-width=\"3\"/>\n"
            svg += "<text x=\"\(f(left + plotWidth + 40))\" y=\"\(f(legendY))\">\(escape(item.label))</text>\n"
        }
        return svg + "</svg>\n"
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }
    private static func label(_ value: Double) -> String { value < 1 ? String(format: "%g", value) : String(Int(value.rounded())) }
    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
