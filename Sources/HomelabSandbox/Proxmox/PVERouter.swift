import Foundation
import HomelabCore

/// Maps `METHOD /path/template` to the cluster operation that answers it.
enum PVERouter {
    typealias Operation = @Sendable (PVECluster, PVEParameters, PVEFault.Kind?) async throws -> PVEAnswer

    struct PVEAnswer: Sendable {
        var data: Value
        var total: Int?
        init(_ data: Value, total: Int? = nil) {
            self.data = data
            self.total = total
        }
    }

    static let routes: [String: Operation] = [
        "GET /version": { _, _, _ in PVEAnswer(["version": "9.1.1", "release": "9.1", "repoid": "e5010dce"]) },
        "GET /nodes": { cluster, _, _ in
            PVEAnswer(
                .array(
                    cluster.configuration.nodes.map { ["node": .string($0), "status": "online", "type": "node", "maxcpu": 8, "level": ""] })
            )
        },
        "GET /cluster/nextid": { cluster, p, _ in PVEAnswer(try await cluster.nextID(try p.int("vmid"))) },
        "GET /cluster/resources": { cluster, p, _ in PVEAnswer(await cluster.resources(type: p.string("type"))) },
        "GET /nodes/{node}/qemu": { cluster, p, _ in PVEAnswer(try await cluster.listVMs(p.node)) },
        "POST /nodes/{node}/qemu": { cluster, p, fault in PVEAnswer(try await cluster.createVM(p, fault: fault)) },
        "POST /nodes/{node}/qemu/{vmid}/clone": { cluster, p, fault in PVEAnswer(try await cluster.cloneVM(p, fault: fault)) },
        "GET /nodes/{node}/qemu/{vmid}/config": { cluster, p, _ in
            PVEAnswer(try await cluster.config(p.node, try p.requireInt("vmid"), current: try p.bool("current") ?? false))
        },
        "GET /nodes/{node}/qemu/{vmid}/pending": { cluster, p, _ in
            PVEAnswer(try await cluster.pendingConfig(p.node, try p.requireInt("vmid")))
        },
        "PUT /nodes/{node}/qemu/{vmid}/config": { cluster, p, fault in PVEAnswer(try await cluster.updateConfig(p, fault: fault)) },
        "PUT /nodes/{node}/qemu/{vmid}/resize": { cluster, p, fault in PVEAnswer(try await cluster.resize(p, fault: fault)) },
        "GET /nodes/{node}/qemu/{vmid}/status/current": { cluster, p, _ in
            PVEAnswer(try await cluster.status(p.node, try p.requireInt("vmid")))
        },
        "POST /nodes/{node}/qemu/{vmid}/status/start": { cluster, p, fault in PVEAnswer(try await cluster.power("start", p, fault: fault))
        },
        "POST /nodes/{node}/qemu/{vmid}/status/shutdown": { cluster, p, fault in
            PVEAnswer(try await cluster.power("shutdown", p, fault: fault))
        },
        "POST /nodes/{node}/qemu/{vmid}/status/stop": { cluster, p, fault in PVEAnswer(try await cluster.power("stop", p, fault: fault)) },
        "POST /nodes/{node}/qemu/{vmid}/template": { cluster, p, fault in PVEAnswer(try await cluster.convertToTemplate(p, fault: fault)) },
        "DELETE /nodes/{node}/qemu/{vmid}": { cluster, p, fault in PVEAnswer(try await cluster.destroy(p, fault: fault)) },
        "GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces": { cluster, p, _ in
            PVEAnswer(try await cluster.agentInterfaces(p.node, try p.requireInt("vmid")))
        },
        "GET /nodes/{node}/network": { cluster, p, _ in PVEAnswer(try await cluster.listNetwork(p.node, type: p.string("type"))) },
        "POST /nodes/{node}/network": { cluster, p, _ in PVEAnswer(try await cluster.createInterface(p)) },
        "PUT /nodes/{node}/network": { cluster, p, fault in PVEAnswer(try await cluster.applyNetwork(p, fault: fault)) },
        "DELETE /nodes/{node}/network": { cluster, p, _ in PVEAnswer(try await cluster.revertNetwork(p.node)) },
        "GET /nodes/{node}/network/{iface}": { cluster, p, _ in PVEAnswer(try await cluster.interface(p.node, try p.require("iface"))) },
        "PUT /nodes/{node}/network/{iface}": { cluster, p, _ in PVEAnswer(try await cluster.updateInterface(p)) },
        "DELETE /nodes/{node}/network/{iface}": { cluster, p, _ in PVEAnswer(try await cluster.deleteInterface(p)) },
        "GET /storage": { cluster, p, _ in PVEAnswer(await cluster.listStorage(type: p.string("type"))) },
        "POST /storage": { cluster, p, _ in PVEAnswer(try await cluster.createStorage(p)) },
        "GET /storage/{storage}": { cluster, p, _ in PVEAnswer(try await cluster.storage(try p.require("storage"))) },
        "PUT /storage/{storage}": { cluster, p, _ in PVEAnswer(try await cluster.updateStorage(p)) },
        "DELETE /storage/{storage}": { cluster, p, _ in PVEAnswer(try await cluster.deleteStorage(try p.require("storage"))) },
        "GET /nodes/{node}/storage": { cluster, p, _ in PVEAnswer(try await cluster.nodeStorage(p.node)) },
        "GET /nodes/{node}/storage/{storage}/content": { cluster, p, _ in
            PVEAnswer(try await cluster.storageContent(p.node, try p.require("storage")))
        },
        "POST /nodes/{node}/storage/{storage}/download-url": { cluster, p, fault in
            PVEAnswer(try await cluster.downloadURL(p, fault: fault))
        },
        "POST /nodes/{node}/storage/{storage}/upload": { cluster, p, fault in PVEAnswer(try await cluster.upload(p, fault: fault)) },
        "DELETE /nodes/{node}/storage/{storage}/content/{volume}": { cluster, p, _ in PVEAnswer(try await cluster.deleteVolume(p)) },
        "PUT /nodes/{node}/qemu/{vmid}/sendkey": { cluster, p, _ in PVEAnswer(try await cluster.sendKey(p)) },
        "GET /nodes/{node}/hardware/pci": { cluster, p, _ in PVEAnswer(try await cluster.hardwarePCI(p.node)) },
        "GET /cluster/mapping/pci": { cluster, _, _ in PVEAnswer(await cluster.listMappings()) },
        "POST /cluster/mapping/pci": { cluster, p, _ in PVEAnswer(try await cluster.createMapping(p)) },
        "GET /cluster/mapping/pci/{id}": { cluster, p, _ in PVEAnswer(try await cluster.mapping(try p.require("id"))) },
        "PUT /cluster/mapping/pci/{id}": { cluster, p, _ in PVEAnswer(try await cluster.updateMapping(p)) },
        "DELETE /cluster/mapping/pci/{id}": { cluster, p, _ in PVEAnswer(try await cluster.deleteMapping(try p.require("id"))) },
        "GET /nodes/{node}/tasks/{upid}/status": { cluster, p, _ in PVEAnswer(try await cluster.taskStatus(try p.require("upid"))) },
        "GET /nodes/{node}/tasks/{upid}/log": { cluster, p, _ in
            let (lines, total) = try await cluster.taskLog(try p.require("upid"))
            return PVEAnswer(lines, total: total)
        },
    ]

    private static let templates: [(method: String, segments: [Substring], key: String)] = routes.keys.map { key in
        let parts = key.split(separator: " ", maxSplits: 1)
        return (String(parts[0]), parts[1].split(separator: "/"), key)
    }

    /// The route for a concrete path, with its path parameters. Literal segments win over
    /// placeholders, so `/nodes/{node}/network` never swallows a deeper path.
    static func route(_ method: String, _ path: String) -> (key: String, operation: Operation, parameters: [String: String])? {
        let segments = path.split(separator: "/")
        var best: (key: String, parameters: [String: String], literals: Int)?
        for template in templates where template.method == method && template.segments.count == segments.count {
            var parameters: [String: String] = [:]
            var literals = 0
            var matches = true
            for (pattern, segment) in zip(template.segments, segments) {
                if pattern.first == "{" {
                    parameters[String(pattern.dropFirst().dropLast())] = String(segment).removingPercentEncoding ?? String(segment)
                } else if pattern == segment {
                    literals += 1
                } else {
                    matches = false
                    break
                }
            }
            if matches && literals > (best?.literals ?? -1) { best = (template.key, parameters, literals) }
        }
        guard let best, let operation = routes[best.key] else { return nil }
        return (best.key, operation, best.parameters)
    }
}
