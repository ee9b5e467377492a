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

    public static func mermaid(_ graph: ResourceGraph) -> String {
        var ids: [ResourceAddress: String] = [:]
        var out = "flowchart RL\n"
        for (index, resource) in graph.resources.enumerated() {
            let id = "r\(index)"
            ids[resource.address] = id
            let label = "\(resource.address)".replacingOccurrences(of: "\"", with: "#quot;")
            out += "  \(id)[\"\(label)\"]\n"
        }
        for resource in graph.resources {
            for dependency in resource.dependencies {
                guard let from = ids[resource.address], let to = ids[dependency] else { continue }
                out += "  \(from) --> \(to)\n"
            }
        }
        return out
    }
}
