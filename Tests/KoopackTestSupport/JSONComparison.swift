import Foundation

/// The differences between two parsed JSON values over the keys both have, recursively, as
/// readable lines (`format-specific.data.cid: 1 ≠ 2`). Empty when they agree.
public func disagreements(_ mine: Any, _ theirs: Any, at path: String = "") -> [String] {
    switch (mine, theirs) {
    case let (a as [String: Any], b as [String: Any]):
        return a.keys.sorted().filter { b[$0] != nil }.flatMap {
            disagreements(a[$0]!, b[$0]!, at: path.isEmpty ? $0 : "\(path).\($0)")
        }
    case let (a as [Any], b as [Any]):
        guard a.count == b.count else { return ["\(path): \(a.count) items ≠ \(b.count) items"] }
        return zip(a, b).enumerated().flatMap { disagreements($1.0, $1.1, at: "\(path)[\($0)]") }
    case let (a as NSNumber, b as NSNumber):
        return a == b ? [] : ["\(path): \(a) ≠ \(b)"]
    case let (a as String, b as String):
        return a == b ? [] : ["\(path): \(a) ≠ \(b)"]
    default:
        return ["\(path): \(mine) ≠ \(theirs)"]
    }
}
