import Foundation

// How the commands write numbers, tables and JSON: one place, so every command formats alike.

/// `value` with `digits` decimals.
func fixed(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

/// A fraction as a percentage with two decimals: 0.9812 → "98.12%".
func percent(_ fraction: Double) -> String {
    String(format: "%.2f%%", fraction * 100)
}

/// An integer with thousands separators: 60000 → "60,000".
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
        result.append(character)
    }
    return (value < 0 ? "-" : "") + result
}

/// Flushes standard output, so lines on stdout and stderr keep their order.
func flushStandardOutput() {
    fflush(nil)  // all output streams: `stdout` itself is a C global Swift 6 will not touch
}

extension String {
    /// Right-aligned in a column of `width` characters.
    func leftPadded(to width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }

    /// Left-aligned in a column of `width` characters (cut when longer).
    func rightPadded(to width: Int) -> String {
        padding(toLength: width, withPad: " ", startingAt: 0)
    }
}

/// A duration with a unit that keeps 3 significant digits readable.
func duration(_ seconds: Double) -> String {
    if seconds >= 1 { return fixed(seconds, 3) + " s" }
    if seconds >= 1e-3 { return fixed(seconds * 1e3, 2) + " ms" }
    return fixed(seconds * 1e6, 1) + " µs"
}

/// Prints `object` as one line of JSON with sorted keys (the `--json` output of every command).
func printJSON(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
