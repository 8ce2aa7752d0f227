import ImagePackage

/// Why an image taints every image made from it: where a market lineage starts.
public enum LineageSeed: Sendable, Equatable {
    /// The image was released: it is locked, carrying the product's price attribute.
    case locked
    /// A KooGallery image (`__imagetype` market).
    case market
    /// A private image carrying the product code of a product that was not released: it was made
    /// from that product's market image.
    case productCode(String)
    /// The image's parent, absent from the lists, is in the release register.
    case releasedParent(String)

    /// Whether the image is itself what taints its descendants (locked, market), rather than
    /// carrying a mark of a market ancestor.
    var isStrong: Bool {
        switch self {
        case .locked, .market: return true
        case .productCode, .releasedParent: return false
        }
    }

    /// `locked`, `market`, `product code OFFI...`, `released parent ...`, for evidence.
    public var summary: String {
        switch self {
        case .locked: return "locked"
        case .market: return "market"
        case let .productCode(code): return "product code \(code)"
        case let .releasedParent(id): return "released parent \(id)"
        }
    }
}

/// How an image descends from a market lineage's start.
public struct LineageOrigin: Sendable, Equatable {
    /// The parent the taint came through; nil when the image starts the lineage itself.
    public let parent: String?
    /// The key that names that parent: `__originalimagename` or `__data_origin`.
    public let parentKey: String?
    /// The image where the lineage starts.
    public let root: String
    /// Why the root taints its descendants.
    public let seed: LineageSeed
    /// How many images lie between this one and the root, counting the root (0 for the root).
    public let generations: Int
}

/// One image's parent as its metadata names it.
public struct ParentLink: Sendable, Equatable {
    /// The parent's image ID.
    public let id: String
    /// The key naming it: `__originalimagename`, or `__data_origin` for a copy (`image,<region>,<id>`).
    public let key: String
    /// The region `__data_origin` names, for a copy.
    public let region: String?
}

/// A parent link and the parent's position in the account, nil when the account lacks it.
typealias ResolvedParentLink = (link: ParentLink, position: Int?)

/// What the lineage walk found for one image.
public struct ImageLineage: Sendable {
    /// The market lineage the image belongs to, nil when none reaches it.
    public var origin: LineageOrigin?
    /// The parents named by the metadata that are not in the account: the walk stops there.
    public var missingParents: [ParentLink] = []
    /// The image IDs of a lineage loop the image is part of (a cycle of parents), empty when none.
    public var loop: [String] = []
}

/// The walk up every image's parents (`__originalimagename`, and `image,<region>,<id>` in
/// `__data_origin` for copies, across regions), deciding which images descend from a market or
/// locked image.
///
/// The walk is Tarjan's strongly connected components algorithm, iterative (an explicit stack, no
/// recursion, so a chain of a million copies cannot exhaust the stack), with an on-stack
/// (visiting) set that detects loops. Components come out parents first, so each image's verdict
/// is decided once, from its parents' memoised verdicts, and every member of a loop shares the
/// loop's verdict. Work is linear in images plus parent links; `steps` counts it.
struct LineageWalk {
    /// Each image's verdict, indexed like the account's images.
    private(set) var lineages: [ImageLineage]
    /// Units of work done: node visits plus parent-link examinations.
    private(set) var steps = 0

    /// The most loop members a loop note lists.
    static let maximumLoopMembersShown = 8

    /// Walks `account`'s images; `seeds[i]` says whether image `i` starts a lineage, and
    /// `links[i]`, when given, are its `parentLinks` each with its parent's position in the
    /// account (`resolvedParentLinks`, computed alongside the seeds, on all cores).
    init(account: ImageAccount, seeds: [LineageSeed?], links given: [[ResolvedParentLink]]? = nil) {
        let images = account.images
        let count = images.count
        lineages = Array(repeating: ImageLineage(), count: count)
        var parents: [[Int]] = Array(repeating: [], count: count)
        var links: [[ParentLink]] = Array(repeating: [], count: count)
        // By index, not by copies of whole images: each copy retained every field of one.
        for i in images.indices {
            for (link, position) in given?[i] ?? LineageWalk.resolvedParentLinks(of: images[i].metadata, in: account) {
                if let p = position {
                    parents[i].append(p)
                    links[i].append(link)
                } else {
                    lineages[i].missingParents.append(link)
                }
            }
        }

        // Tarjan's algorithm, iterative.
        var order = Array(repeating: -1, count: count)
        var low = Array(repeating: 0, count: count)
        var onStack = Array(repeating: false, count: count)
        var component = Array(repeating: -1, count: count)
        var stack: [Int] = []
        var frames: [(node: Int, next: Int)] = []
        var counter = 0
        var components = 0
        for start in 0..<count where order[start] == -1 {
            order[start] = counter; low[start] = counter; counter += 1
            stack.append(start); onStack[start] = true
            frames.append((start, 0))
            steps += 1
            while let frame = frames.last {
                let v = frame.node
                if frame.next < parents[v].count {
                    let w = parents[v][frame.next]
                    frames[frames.count - 1].next += 1
                    steps += 1
                    if order[w] == -1 {
                        order[w] = counter; low[w] = counter; counter += 1
                        stack.append(w); onStack[w] = true
                        frames.append((w, 0))
                        steps += 1
                    } else if onStack[w] {
                        low[v] = min(low[v], order[w])
                    }
                    continue
                }
                frames.removeLast()
                if let caller = frames.last { low[caller.node] = min(low[caller.node], low[v]) }
                guard low[v] == order[v] else { continue }
                var members: [Int] = []
                while let w = stack.popLast() {
                    onStack[w] = false
                    component[w] = components
                    members.append(w)
                    if w == v { break }
                }
                decide(members, id: components, component: component, parents: parents, links: links,
                       seeds: seeds, images: images)
                components += 1
            }
        }
    }

    /// Decides the verdict of one component, whose parents outside it are all decided.
    private mutating func decide(_ members: [Int], id: Int, component: [Int], parents: [[Int]],
                                 links: [[ParentLink]], seeds: [LineageSeed?], images: [AccountImage]) {
        var reached: [Int] = []
        for m in members {
            // A locked or market image starts its own lineage; an image that only carries a
            // product code (or a released parent outside the lists) names a parent in the lists
            // as its origin when one is tainted, which says more than the code does.
            if let seed = seeds[m], seed.isStrong {
                lineages[m].origin = LineageOrigin(parent: nil, parentKey: nil, root: images[m].id, seed: seed, generations: 0)
                reached.append(m)
                continue
            }
            for (k, p) in parents[m].enumerated() {
                steps += 1
                guard component[p] != id, let from = lineages[p].origin else { continue }
                lineages[m].origin = LineageOrigin(parent: images[p].id, parentKey: links[m][k].key, root: from.root,
                                                   seed: from.seed, generations: from.generations + 1)
                break
            }
            if lineages[m].origin == nil, let seed = seeds[m] {
                lineages[m].origin = LineageOrigin(parent: nil, parentKey: nil, root: images[m].id, seed: seed, generations: 0)
            }
            if lineages[m].origin != nil { reached.append(m) }
        }
        let isLoop = members.count > 1 || (members.first.map { parents[$0].contains($0) } ?? false)
        guard isLoop else { return }

        // Within a loop every member descends from every other: spread the taint along the
        // loop's own links, breadth first, so each member names a parent nearer the root.
        var children: [Int: [(child: Int, key: String)]] = [:]
        for m in members {
            for (k, p) in parents[m].enumerated() where component[p] == id {
                steps += 1
                children[p, default: []].append((m, links[m][k].key))
            }
        }
        var head = 0
        while head < reached.count {
            let u = reached[head]
            head += 1
            guard let from = lineages[u].origin else { continue }
            for (c, key) in children[u] ?? [] where lineages[c].origin == nil {
                steps += 1
                lineages[c].origin = LineageOrigin(parent: images[u].id, parentKey: key, root: from.root,
                                                   seed: from.seed, generations: from.generations + 1)
                reached.append(c)
            }
        }

        // One cycle through the loop, found by following in-loop parents from a member until
        // one repeats: at most one step per member.
        var seenAt: [Int: Int] = [:]
        var path: [Int] = []
        var current = members[0]
        while seenAt[current] == nil {
            steps += 1
            seenAt[current] = path.count
            path.append(current)
            guard let next = parents[current].first(where: { component[$0] == id }) else { break }
            current = next
        }
        let cycleStart = seenAt[current] ?? 0
        let cycle = path[cycleStart...].map { images[$0].id } + [images[current].id]
        for m in members { lineages[m].loop = cycle }
    }

    /// The parents `metadata` names, each with the parent's position in `account` (nil when
    /// the account does not have it).
    static func resolvedParentLinks(of metadata: IMSMetadata, in account: ImageAccount) -> [ResolvedParentLink] {
        parentLinks(of: metadata).map { ($0, account.position(id: $0.id)) }
    }

    /// The parents `metadata` names: `__originalimagename`, then the source of a copy in
    /// `__data_origin` (`image,<region>,<id>`), without repeats.
    static func parentLinks(of metadata: IMSMetadata) -> [ParentLink] {
        var links: [ParentLink] = []
        if let parent = metadata.originalImageName {
            links.append(ParentLink(id: parent, key: "__originalimagename", region: nil))
        }
        // `image,<region>,<id>`; most images come from an ECS (`instance,<id>`) and name none.
        // Cut at the first two commas by hand: a generic split made an array per image.
        if let origin = metadata.dataOrigin {
            let utf8 = origin.utf8
            if let first = utf8.firstIndex(of: UInt8(ascii: ",")),
               let second = utf8[utf8.index(after: first)...].firstIndex(of: UInt8(ascii: ",")),
               Regions.trimmed(String(origin[..<first])).equalsIgnoringCase("image") {
                let id = Regions.trimmed(String(origin[utf8.index(after: second)...]))
                if !id.isEmpty, !links.contains(where: { $0.id == id }) {
                    let region = String(origin[utf8.index(after: first)..<second])
                    links.append(ParentLink(id: id, key: "__data_origin", region: Regions.normalizedID(region)))
                }
            }
        }
        return links
    }
}
