import Foundation
import HomelabCore
import Synchronization

/// A Proxmox VE API over HTTPS, in process: stateful nodes, network, storages, PCI mappings, VMs,
/// templates and tasks that take simulated time; per-VM and storage locks that time out under
/// contention; VMID collisions; `nextid`; both error styles; latency and fault injection.
///
/// ```swift
/// let pve = try await ProxmoxSimulator.start()
/// // point a client at pve.baseURL, trusting pve.caPEM, with pve.apiToken
/// ```
public final class ProxmoxSimulator: Sendable {
    public let configuration: PVESimulatorConfiguration
    public let certificateAuthority: SandboxCertificateAuthority
    public let serverIdentity: SandboxCertificateAuthority.Identity
    let cluster: PVECluster
    private let server: SandboxHTTPSServer
    private let faults = Mutex<[PVEFault]>([])
    private let log = Mutex<[String]>([])
    private let violations = Mutex<[String]>([])

    private init(
        configuration: PVESimulatorConfiguration,
        authority: SandboxCertificateAuthority,
        identity: SandboxCertificateAuthority.Identity,
        cluster: PVECluster,
        server: SandboxHTTPSServer
    ) {
        self.configuration = configuration
        self.certificateAuthority = authority
        self.serverIdentity = identity
        self.cluster = cluster
        self.server = server
    }

    /// Starts a simulator on `host:port` (a free port of 127.0.0.1 by default; the sandbox binds a
    /// description's own endpoint, such as 192.168.10.2:8006), its certificate naming `host`.
    /// With `stateFile`, every change is written there before the API answers (see
    /// ``SimulatorStateFile``); ``restore(_:)`` takes it back in the next run.
    public static func start(
        _ configuration: PVESimulatorConfiguration = PVESimulatorConfiguration(), host: String = "127.0.0.1", port: Int = 0,
        stateFile: String? = nil
    ) async throws -> ProxmoxSimulator {
        let file = stateFile.map(SimulatorStateFile.init(path:))
        let authority = try SandboxCertificateAuthority(name: "Proxmox Virtual Environment (HomelabSandbox)")
        let identity = try authority.issueServer(addresses: host == "127.0.0.1" ? [] : [host])
        let cluster = PVECluster(configuration: configuration)
        let box = SimulatorBox()
        let server = try await SandboxHTTPSServer(identity: identity, host: host, port: port) { request in
            guard let simulator = box.simulator else { return SandboxResponse(status: 503, reason: "starting") }
            let response = await simulator.handle(request)
            guard let file else { return response }
            do { try await cluster.persist(to: file) } catch {
                return simulator.failure(PVEAPIFailure.server("cannot write the cluster state: \(error)"))
            }
            return response
        }
        let simulator = ProxmoxSimulator(
            configuration: configuration, authority: authority, identity: identity, cluster: cluster, server: server)
        box.set(simulator)
        return simulator
    }

    public var baseURL: String { "\(server.baseURL)/api2/json" }
    /// The endpoint as users write it (`https://127.0.0.1:PORT`).
    public var endpoint: String { server.baseURL }
    public var caPEM: String { certificateAuthority.caPEM }
    public var publicKeyPin: String { serverIdentity.publicKeyPin }
    public var connectionsAccepted: Int { server.connectionsAccepted }

    /// `USER@REALM!TOKENID=SECRET` of the first configured token (what `PROXMOX_API_TOKEN` holds).
    public var apiToken: String {
        guard let (id, secret) = configuration.tokens.sorted(by: { $0.key < $1.key }).first else { return "" }
        return "\(id)=\(secret)"
    }

    public func shutdown() async { await server.shutdown() }

    // MARK: Faults and observation

    public func inject(_ fault: PVEFault) { faults.withLock { $0.append(fault) } }

    /// Every request so far, as `METHOD /path/template` (to count API calls).
    public var requests: [String] { log.withLock { $0 } }
    public func resetRequestLog() { log.withLock { $0 = [] } }
    /// Requests that broke the official schema (empty when no schema is configured).
    public var schemaViolations: [String] { violations.withLock { $0 } }

    // MARK: State, for tests and for simulating drift made outside HomelabKit

    public func vmIDs() async -> [Int] { await cluster.vms.keys.sorted() }
    public func vmConfig(_ vmid: Int) async -> [String: String]? { await cluster.vms[vmid]?.config }
    public func isRunning(_ vmid: Int) async -> Bool? { await cluster.vms[vmid]?.running }
    /// The VM's `[PENDING]` section: values waiting for its next start.
    public func pendingConfig(_ vmid: Int) async -> [String: String] { await cluster.vms[vmid]?.pending ?? [:] }
    /// A config change made by hand (`qm set`) on a running VM: what cannot hotplug stays pending.
    public func setPendingVMConfig(_ vmid: Int, _ key: String, _ value: String) async {
        await cluster.writeConfig(vmid, setting: [key: value], deleting: [])
    }
    public func setVMConfig(_ vmid: Int, _ key: String, _ value: String?) async { await cluster.setConfig(vmid, key, value) }
    public func addVolume(_ volume: String) async { await cluster.addVolume(volume) }
    /// Puts a VM (or a template) on a node directly, as if made outside HomelabKit.
    public func addVM(_ vmid: Int, node: String = "pve", config: [String: String], running: Bool = false) async {
        await cluster.addVM(vmid, PVECluster.VM(node: node, config: config, running: running))
    }
    public func networkInterfaces(_ node: String) async -> [String: [String: String]] { await cluster.network[node] ?? [:] }
    public func mappingIDs() async -> [String] { await cluster.mappings.keys.sorted() }
    public func storageIDs() async -> [String] { await cluster.storages.keys.sorted() }
    public func volumes() async -> [String] { await cluster.volumes.sorted() }
    /// The bytes of an uploaded volume, such as a cidata seed (`local:iso/…`), even once deleted.
    public func volumeBytes(_ volume: String) async -> [UInt8]? { await cluster.volumeBytes(volume) }

    // MARK: Handling

    /// The HTTP layer answers as pve-http-server `PVE/APIServer/AnyEvent.pm` does: 501 for an
    /// unknown path ("no such uri") or method ("Method '<m> <path>' not implemented"), a body on
    /// GET or DELETE, chunked encoding, a too large body or an upload without a length; 401 "No
    /// ticket" / "authentication failure" after a delay; malformed bodies as parameter errors.
    func handle(_ request: SandboxRequest) async -> SandboxResponse {
        if configuration.latency > .zero { try? await Task.sleep(for: configuration.latency) }
        let prefix = "/api2/json"
        guard request.path.hasPrefix(prefix + "/") || request.path == prefix else {
            return failure(PVEAPIFailure.notImplemented("no such uri"))
        }
        let path = String(request.path.dropFirst(prefix.count))
        if (request.method == "GET" || request.method == "DELETE") && !request.body.isEmpty {
            return failure(PVEAPIFailure.notImplemented("Unexpected content for method '\(request.method)'"))
        }
        if request.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            return failure(PVEAPIFailure.notImplemented("chunked transfer encoding not supported"))
        }
        let isUpload = request.path.hasSuffix("/upload")
        if request.body.count > 512 * 1024 && !isUpload { return failure(PVEAPIFailure.notImplemented("for data too large")) }
        if isUpload && request.header("Content-Length") == nil {
            return failure(PVEAPIFailure.notImplemented("upload without content length header not supported"))
        }
        guard let user = authenticate(request.header("Authorization")) else {
            try? await Task.sleep(for: configuration.authenticationFailureDelay)
            return failure(
                PVEAPIFailure(status: 401, message: request.header("Authorization") == nil ? "No ticket" : "authentication failure"))
        }
        var values = PVEFormDecoder.decode(request.query)
        let json = request.header("Content-Type")?.hasPrefix("application/json") == true
        var file: [UInt8]?
        if let contentType = request.header("Content-Type"), contentType.hasPrefix("multipart/form-data") {
            guard let form = PVEMultipart.parse(request.body, contentType: contentType) else {
                return failure(PVEAPIFailure.parameters(["body": "malformed multipart body"]))
            }
            values.merge(form.fields.mapValues { [$0] }) { $0 + $1 }
            file = form.file
        } else if json {
            guard let object = try? JSONDecoder().decode([String: Value].self, from: Data(request.body)) else {
                return failure(PVEAPIFailure.parameters(["body": "malformed JSON"]))
            }
            for (key, value) in object { values[key, default: []] += Self.formValues(value) }
        } else {
            values.merge(PVEFormDecoder.decode(String(decoding: request.body, as: UTF8.self))) { $0 + $1 }
        }
        guard let route = PVERouter.route(request.method, path) else {
            log.withLock { $0.append("\(request.method) \(path)") }
            return failure(PVEAPIFailure.notImplemented("Method '\(request.method) \(path)' not implemented"))
        }
        log.withLock { $0.append(route.key) }
        if let schema = configuration.schema {
            let problems = schema.violations(method: request.method, path: path, parameters: values, jsonBody: json)
            if !problems.isEmpty {
                violations.withLock { $0 += problems }
                return failure(.parameters(Dictionary(problems.map { ($0, "schema violation") }) { first, _ in first }))
            }
        }
        let fault = takeFault(for: route.key, path: "\(request.method) \(path)")
        switch fault {
        case .status(let status, let reason)?: return failure(PVEAPIFailure(status: status, message: reason))
        case .dropConnection(afterHandling: false)?: return .dropped()
        default: break
        }
        let parameters = PVEParameters(values: values, path: route.parameters, user: user, file: file)
        do {
            let answer = try await route.operation(cluster, parameters, fault)
            if case .dropConnection(afterHandling: true)? = fault { return .dropped() }
            var envelope: [String: Value] = ["data": answer.data]
            if let total = answer.total { envelope["total"] = .int(total) }
            return SandboxResponse(
                status: 200,
                reason: "OK",
                headers: [("Content-Type", "application/json;charset=UTF-8"), ("Server", "pve-api-daemon/3.0")],
                body: Array((try? JSONEncoder().encode(Value.object(envelope))) ?? Data("{}".utf8))
            )
        } catch let error as PVEAPIFailure {
            return failure(error)
        } catch {
            return failure(.server("\(error)"))
        }
    }

    /// JSON bodies reach the handlers as form values would: booleans as 0/1, arrays repeated.
    private static func formValues(_ value: Value) -> [String] {
        switch value {
        case .bool(let bool): return [bool ? "1" : "0"]
        case .int(let int): return [String(int)]
        case .double(let double): return [String(double)]
        case .string(let string): return [string]
        case .array(let items): return items.flatMap(formValues)
        default: return [""]
        }
    }

    /// `PVEAPIToken=USER@REALM!TOKENID=SECRET` (or with a space after PVEAPIToken).
    private func authenticate(_ header: String?) -> String? {
        guard let header, let range = header.range(of: #"PVEAPIToken[= ]"#, options: .regularExpression) else { return nil }
        let credential = header[range.upperBound...].prefix { $0 != ";" }
        let unescaped = String(credential).removingPercentEncoding ?? String(credential)
        guard let equals = unescaped.lastIndex(of: "=") else { return nil }
        let id = String(unescaped[..<equals])
        let secret = String(unescaped[unescaped.index(after: equals)...])
        return configuration.tokens[id] == secret ? id : nil
    }

    private func takeFault(for key: String, path: String) -> PVEFault.Kind? {
        faults.withLock { faults in
            guard
                let index = faults.firstIndex(where: { fault in
                    guard let matching = fault.matching else { return true }
                    return matching == key || path.hasPrefix(matching)
                })
            else { return nil }
            let kind = faults[index].kind
            faults[index].times -= 1
            if faults[index].times <= 0 { faults.remove(at: index) }
            return kind
        }
    }

    /// PVE's error answer: the message in the status line; `{"data":null}` with `message` (new
    /// style) and `errors` (400). pveproxy closes the connection after any status ≥ 400.
    func failure(_ error: PVEAPIFailure) -> SandboxResponse {
        var body: [String: Value] = ["data": .null]
        if let errors = error.parameterErrors { body["errors"] = .object(errors.mapValues { .string($0 + "\n") }) }
        if configuration.errorStyle == .statusLineAndBody { body["message"] = .string(error.message + "\n") }
        return SandboxResponse(
            status: error.status,
            reason: error.message,
            headers: [("Content-Type", "application/json;charset=UTF-8")],
            body: Array((try? JSONEncoder().encode(Value.object(body))) ?? Data()),
            closeConnection: true
        )
    }
}

/// Lets the server's handler reach the simulator that owns the server (weakly: no cycle).
private final class SimulatorBox: Sendable {
    struct WeakReference: ~Copyable {
        weak var value: ProxmoxSimulator?
    }
    private let reference = Mutex(WeakReference())

    var simulator: ProxmoxSimulator? { reference.withLock { $0.value } }
    func set(_ simulator: ProxmoxSimulator) { reference.withLock { $0.value = simulator } }
}

extension PVECluster {
    func setConfig(_ vmid: Int, _ key: String, _ value: String?) { vms[vmid]?.config[key] = value }
    func addVolume(_ volume: String) { volumes.insert(volume) }
    func addVM(_ vmid: Int, _ vm: VM) { vms[vmid] = vm }
}
