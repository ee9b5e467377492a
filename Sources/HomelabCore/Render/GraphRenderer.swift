import Foundation

/// Renders the resource graph for Graphviz (DOT) or Mermaid. Edges point from a resource to what
/// it depends on, as in `terraform graph`.
public enum GraphRenderer {
    public static func dot(_ graph: ResourceGraph) -> String {
        var out = "digraph homelab {\n  rankdir = \"RL\";\n  node [shape = box];\n"
        for resource in graph.resources {
            out +=
                "  \(ValueFormatter.quote(resource.address.description)) [label = \(ValueFormatter.quote("\(resource.address)\\n\(resource.type.name)"))];\n"
        }
        for resource in graph.resources {
            for dependency in resource.dependencies {
                out += "  \(ValueFormatter.quote(resource.address.description)) -> \(ValueFormatter.quote(dependency.description));\n"
            }
        }
        return out + "}\n"
    }

    /// Mermaid, readable at a glance: a subgraph per provider, in the order the description
    /// declares them; the items one resource owns (`package.k8s-node-template/curl`, owned by
    /// `k8s-node-template`) collapsed into one box that counts them by kind; and only the edges
    /// no longer path already implies (a transitive reduction), each once.
    public static func mermaid(_ graph: ResourceGraph) -> String {
        var keys: [String] = []
        var provider: [String: String] = [:]
        var label: [String: String] = [:]
        var kinds: [String: [String: Int]] = [:]
        var boxOf: [ResourceAddress: Int] = [:]
        for resource in graph.resources {
            let name = resource.address.name
            var key = resource.address.description
            if let slash = name.firstIndex(of: "/") {
                key = "\(resource.type.provider) \(name[..<slash])"
                kinds[key, default: [:]][resource.address.kind, default: 0] += 1
                label[key] = "\(name[..<slash])/…"
            }
            if provider[key] == nil {
                keys.append(key)
                provider[key] = resource.type.provider
                label[key] = label[key] ?? key
            }
            boxOf[resource.address] = keys.firstIndex(of: key)
        }
        var successors = Array(repeating: Set<Int>(), count: keys.count)
        for resource in graph.resources {
            guard let from = boxOf[resource.address] else { continue }
            for dependency in resource.dependencies {
                if let to = boxOf[dependency], to != from { successors[from].insert(to) }
            }
        }
        var out = "flowchart RL\n"
        var providers: [String] = []
        for key in keys where !providers.contains(provider[key] ?? "") { providers.append(provider[key] ?? "") }
        for name in providers {
            out += "  subgraph \(name)\n"
            for (index, key) in keys.enumerated() where provider[key] == name {
                var text = label[key] ?? key
                if let counted = kinds[key] {
                    text +=
                        "<br/>"
                        + counted.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.value) \($0.key)" }.joined(
                            separator: " · ")
                }
                out += "    g\(index)[\"\(text.replacingOccurrences(of: "\"", with: "#quot;"))\"]\n"
            }
            out += "  end\n"
        }
        for from in keys.indices {
            for to in successors[from].sorted() where !successors[from].contains(where: { $0 != to && reaches($0, to, successors) }) {
                out += "  g\(from) --> g\(to)\n"
            }
        }
        return out
    }

    /// Whether `target` can be reached from `start` along `successors`.
    private static func reaches(_ start: Int, _ target: Int, _ successors: [Set<Int>]) -> Bool {
        var stack = [start]
        var seen: Set<Int> = [start]
        while let next = stack.popLast() {
            if next == target { return true }
            for successor in successors[next] where seen.insert(successor).inserted { stack.append(successor) }
        }
        return false
    }
}
