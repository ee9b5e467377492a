import Crypto
import Foundation
import HomelabCore
import Kubernetes
import SwiftASN1
import X509

/// A kubeadm cluster: `kubeadm init` on the first control plane, then `kubeadm join` on every
/// other node with a bootstrap token minted for that join. Each step first looks at what is
/// already there, so a rerun on a built cluster only reads, and a step killed halfway is found
/// and redone (kubeadm's files without the result it leads to are reset first).
enum KubeadmClusterResource: ResourceHandler {
    static let type = Cluster.type

    /// Where a kubeadm config is put for one command, then removed: it may hold a join secret.
    static let configFile = "/etc/kubernetes/homelabkit-kubeadm.yaml"

    // MARK: Read

    static func read(_ request: TypedRead<KubeadmClusterAttributes>, using session: KubeadmSession) async throws
        -> KubeadmClusterAttributes?
    {
        let prior = request.prior
        guard let first = prior.controlPlane.first else { return nil }
        let shell = try session.on(first)
        guard try await shell.exists("/etc/kubernetes/admin.conf") else { return nil }
        let kubeconfig = try await shell.read("/etc/kubernetes/admin.conf")
        let client = try client(kubeconfig)
        let objects = try await NodeObjects(client: client, options: session.options).all()
        var real = prior
        // A node that is not in the API is not part of the cluster (a join to make); the labels
        // and taints of one that is are what its Node shows.
        real.controlPlane = prior.controlPlane.compactMap { node in objects[node.name].map { NodeObjects.observed(node, in: $0) } }
        real.workers = prior.workers.compactMap { node in objects[node.name].map { NodeObjects.observed(node, in: $0) } }
        // The cluster runs the oldest of what its configuration says and its kubelets report: a
        // node an interrupted upgrade has not reached yet keeps the upgrade in the plan.
        var versions: [String] = []
        if let configuration = try await client.get(apiVersion: "v1", kind: "ConfigMap", namespace: "kube-system", name: "kubeadm-config"),
            let text = configuration["data"]?["ClusterConfiguration"]?.stringValue, let version = Self.kubernetesVersion(in: text)
        {
            versions.append(version)
        }
        for node in real.nodes {
            if let kubelet = objects[node.name].flatMap(NodeObjects.kubeletVersion) { versions.append(String(kubelet.drop { $0 == "v" })) }
        }
        if let oldest = versions.min(by: { Self.isOlder($0, than: $1) }) { real.kubernetes = oldest }
        real.kubeconfig = .known(Sensitive(kubeconfig))
        real.certificatesExpire = try await certificatesExpire(on: shell)
        return real
    }

    /// The API server certificate's end of validity, as `kubeadm certs check-expiration` shows it.
    static func certificatesExpire(on shell: NodeShell) async throws -> Computed<String> {
        let path = "/etc/kubernetes/pki/apiserver.crt"
        guard try await shell.exists(path) else { return .unknown }
        let certificate = try Certificate(pemEncoded: try await shell.read(path))
        return .known(ISO8601DateFormatter().string(from: certificate.notValidAfter))
    }

    /// How long before its certificates expire the plan asks for their renewal.
    static let renewalWindow: TimeInterval = 30 * 24 * 3600

    /// Whether `a` is an older release than `b` (`1.31.4` before `1.32.0`).
    static func isOlder(_ a: String, than b: String) -> Bool {
        let (left, right) = (a.split(separator: ".").compactMap { Int($0) }, b.split(separator: ".").compactMap { Int($0) })
        return left.lexicographicallyPrecedes(right)
    }

    // MARK: Plan

    /// kubeadm moves a cluster one minor version at a time, and never back (`kubeadm upgrade plan`
    /// offers only the next minor; kubernetes/kubernetes `cmd/kubeadm/app/phases/upgrade/policy.go`
    /// refuses skipping one or downgrading a minor).
    static func refusal(from prior: KubeadmClusterAttributes, to desired: KubeadmClusterAttributes) -> String? {
        guard let old = minor(prior.kubernetes), let new = minor(desired.kubernetes), old != new else { return nil }
        if new < old {
            return "the cluster runs Kubernetes \(prior.kubernetes); kubeadm cannot downgrade it to \(desired.kubernetes)"
        }
        if new > old + 1 {
            return "the cluster runs Kubernetes \(prior.kubernetes); kubeadm upgrades one minor version at a time: "
                + "upgrade to 1.\(old + 1) first, then to \(desired.kubernetes)"
        }
        return nil
    }

    /// What the plan says the update will do to the nodes.
    static func remarks(from prior: KubeadmClusterAttributes, to desired: KubeadmClusterAttributes) -> [String] {
        let before = Dictionary(prior.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Set(desired.nodes.map(\.name))
        var remarks: [String] = []
        if prior.kubernetes != desired.kubernetes {
            let (version, members) = (desired.kubernetes, desired.nodes.filter { before[$0.name] != nil }.map(\.name))
            remarks.append(
                "upgrade Kubernetes \(prior.kubernetes) → \(version): kubeadm and kubectl \(version) on every node; "
                    + "kubeadm upgrade apply on \(members.first ?? "the control plane"); then one node at a time, "
                    + "\(members.joined(separator: ", ")): drain, kubeadm upgrade node (after the first), kubelet \(version), Ready, uncordon"
            )
        }
        remarks += desired.nodes.filter { before[$0.name] == nil }.map { "\($0.name) joins the cluster (kubeadm join)" }
        for node in desired.nodes {
            guard let old = before[node.name], old.labels != node.labels || Set(old.taints) != Set(node.taints) else { continue }
            remarks.append("\(node.name): labels and taints change through the API")
        }
        remarks += prior.nodes.filter { !after.contains($0.name) }.map {
            "\($0.name) leaves the cluster: drained, its Node deleted, kubeadm reset on it"
        }
        if let text = prior.certificatesExpire.value, let expiry = ISO8601DateFormatter().date(from: text),
            expiry.timeIntervalSinceNow < renewalWindow
        {
            let days = Int(expiry.timeIntervalSinceNow / 86400)
            remarks.append(
                (days < 0
                    ? "the cluster's certificates expired on \(text)" : "the cluster's certificates expire on \(text), in \(days) days")
                    + ": renew them with `kubeadm certs renew all` on each control plane, or upgrade Kubernetes, which renews them")
        }
        return remarks
    }

    /// `31` of `1.31.4`.
    static func minor(_ version: String) -> Int? {
        let parts = version.split(separator: ".")
        return parts.count == 3 ? Int(parts[1]) : nil
    }

    // MARK: Create and update

    static func create(_ request: TypedCreate<KubeadmClusterAttributes>, using session: KubeadmSession) async throws
        -> KubeadmClusterAttributes
    {
        try await build(request.desired, session: session, progress: request.progress)
    }

    /// Upgrades the nodes already there, joins the ones missing, sets labels and taints, and
    /// removes the nodes no longer declared.
    static func update(_ request: TypedUpdate<KubeadmClusterAttributes>, using session: KubeadmSession) async throws
        -> KubeadmClusterAttributes
    {
        let (prior, desired) = (request.prior, request.desired)
        if let refusal = refusal(from: prior, to: desired) { throw ProviderError.failed(refusal) }
        let kept = Set(desired.nodes.map(\.name))
        if prior.kubernetes != desired.kubernetes {
            guard let kubeconfig = prior.kubeconfig.value?.value else {
                throw ProviderError.failed("cluster \(desired.name): no admin kubeconfig was read, so the upgrade cannot reach its API")
            }
            let members = desired.nodes.filter { node in prior.nodes.contains { $0.name == node.name } }
            try await KubeadmUpgrade(
                cluster: desired, from: prior.kubernetes, session: session, client: try client(kubeconfig), progress: request.progress
            )
            .run(members)
        }
        let built = try await build(desired, session: session, progress: request.progress)
        let client = try client(built.kubeconfig.value?.value ?? "")
        let nodes = NodeObjects(client: client, options: session.options)
        let objects = try await nodes.all()
        for node in desired.nodes {
            guard let object = objects[node.name] else { continue }
            try await nodes.label(node, prior: prior.nodes.first { $0.name == node.name } ?? node, node: object)
        }
        for node in prior.nodes where !kept.contains(node.name) {
            try await remove(node, nodes: nodes, session: session, progress: request.progress)
        }
        return built
    }

    /// Makes the cluster: init where nothing runs yet, then each missing join.
    static func build(
        _ desired: KubeadmClusterAttributes, session: KubeadmSession, progress: @escaping @Sendable (String) -> Void
    ) async throws -> KubeadmClusterAttributes {
        guard let first = desired.controlPlane.first else { throw ProviderError.failed("cluster \(desired.name) has no control plane") }
        let documents = ClusterDocuments(desired)
        let shell = try session.on(first)
        try await session.waitUntilReachable(first, progress: progress)
        // A certificate key encrypts the control-plane certificates kubeadm uploads for further
        // control planes to join with; it lives for this run only, is never stored, and kubeadm
        // is told not to print it.
        let certificateKey = randomHex(bytes: 32)
        var uploaded = false
        if try await !initFinished(on: shell, node: first) {
            let podsWritten = try await shell.exists("/etc/kubernetes/manifests/kube-apiserver.yaml")
            let kubeconfigWritten = try await shell.exists("/etc/kubernetes/admin.conf")
            if podsWritten || kubeconfigWritten {
                progress("\(first.name): an earlier init stopped halfway; resetting it")
                try await shell.run("kubeadm", "reset", "-f")
            }
            if let audit = desired.apiServer.audit {
                let directory = String(audit.policyFile[..<(audit.policyFile.lastIndex(of: "/") ?? audit.policyFile.endIndex)])
                try await shell.run("mkdir", "-p", "-m", "0755", directory)
                try await shell.write(try ClusterDocuments.render([audit.policy]), to: audit.policyFile)
            }
            progress("\(first.name): kubeadm init")
            uploaded = desired.controlPlane.count > 1
            try await withConfig(try documents.initFile(certificateKey: uploaded ? certificateKey : nil), on: shell) {
                try await shell.run("kubeadm", "config", "validate", "--config", configFile)
                try await shell.run(
                    ["kubeadm", "init", "--config", configFile] + (uploaded ? ["--upload-certs", "--skip-certificate-key-print"] : []))
            }
        }
        let kubeconfig = try await shell.read("/etc/kubernetes/admin.conf")
        let client = try client(kubeconfig)
        let caHash = try Self.caHash(kubeconfig)
        var registered = try await nodeNames(client)
        for node in desired.controlPlane.dropFirst() + desired.workers where !registered.contains(node.name) {
            if desired.controlPlane.contains(node), !uploaded {
                // A cluster built by an earlier run: upload the certificates again, under this
                // run's key (kubeadm deletes them after two hours).
                progress("\(first.name): kubeadm init phase upload-certs")
                try await withConfig(try documents.initFile(certificateKey: certificateKey), on: shell) {
                    try await shell.run(
                        "kubeadm", "init", "phase", "upload-certs", "--upload-certs", "--skip-certificate-key-print", "--config", configFile
                    )
                }
                uploaded = true
            }
            try await join(
                node, documents: documents, client: client, caHash: caHash, certificateKey: certificateKey, session: session,
                progress: progress)
            registered.insert(node.name)
        }
        try await waitForNodes(Set(desired.nodes.map(\.name)), client: client, session: session)
        var built = desired
        built.kubeconfig = .known(Sensitive(kubeconfig))
        built.certificatesExpire = try await certificatesExpire(on: shell)
        return built
    }

    /// Whether kubeadm init ran to its end on `node`: its admin kubeconfig reaches an API server
    /// that holds the uploaded `kubeadm-config` (a late phase of init, after the node registered).
    /// An admin.conf alone is written early, by the kubeconfig phase. An API server that does not
    /// answer although its static pod was written may be a live cluster that is down: that is an
    /// error, never a reason to reset.
    static func initFinished(on shell: NodeShell, node: ClusterNode) async throws -> Bool {
        guard try await shell.exists("/etc/kubernetes/admin.conf") else { return false }
        let client = try client(try await shell.read("/etc/kubernetes/admin.conf"))
        do {
            return try await client.get(apiVersion: "v1", kind: "ConfigMap", namespace: "kube-system", name: "kubeadm-config") != nil
        } catch {
            guard try await !shell.exists("/etc/kubernetes/manifests/kube-apiserver.yaml") else {
                throw ProviderError.failed(
                    "\(node.name) has kubeadm's files but its API server does not answer (\(error)); HomelabKit does not reset "
                        + "a control plane that may hold a cluster. If its init was interrupted, run `kubeadm reset -f` there and apply again"
                )
            }
            return false
        }
    }

    /// One join, with a bootstrap token minted for it (15 minutes) and deleted after.
    static func join(
        _ node: ClusterNode, documents: ClusterDocuments, client: KubernetesClient, caHash: String, certificateKey: String?,
        session: KubeadmSession, progress: @escaping @Sendable (String) -> Void
    ) async throws {
        let shell = try session.on(node)
        try await session.waitUntilReachable(node, progress: progress)
        // Any file join's preflight refuses to find (kubernetes/kubernetes
        // cmd/kubeadm/app/preflight/checks.go RunJoinNodeChecks: FileAvailable for kubelet.conf,
        // bootstrap-kubelet.conf and the CA) means an earlier join stopped halfway.
        var leftovers = false
        for file in ["/etc/kubernetes/kubelet.conf", "/etc/kubernetes/bootstrap-kubelet.conf", "/etc/kubernetes/pki/ca.crt"]
        where try await shell.exists(file) {
            leftovers = true
        }
        if leftovers {
            progress("\(node.name): an earlier join stopped before the node registered; resetting it")
            try await shell.run("kubeadm", "reset", "-f")
        }
        let (id, secret) = (randomToken(6), randomToken(16))
        try await client.apply(bootstrapToken(id: id, secret: secret, lifetime: 15 * 60), fieldManager: fieldManager)
        progress("\(node.name): kubeadm join")
        let file = try documents.joinFile(
            node, token: "\(id).\(secret)", caCertHash: caHash,
            certificateKey: documents.cluster.controlPlane.contains(node) ? certificateKey : nil)
        // The token is for this join only: it goes whatever the join did (and expires anyway).
        do {
            try await withConfig(file, on: shell) {
                try await shell.run("kubeadm", "config", "validate", "--config", configFile)
                try await shell.run("kubeadm", "join", "--config", configFile)
            }
        } catch {
            _ = try? await client.delete(apiVersion: "v1", kind: "Secret", namespace: "kube-system", name: "bootstrap-token-\(id)")
            throw error
        }
        try await client.delete(apiVersion: "v1", kind: "Secret", namespace: "kube-system", name: "bootstrap-token-\(id)")
    }

    /// A node that leaves: drained, its Node object deleted, kubeadm's files on it reset.
    static func remove(_ node: ClusterNode, nodes: NodeObjects, session: KubeadmSession, progress: @escaping @Sendable (String) -> Void)
        async throws
    {
        if try await nodes.client.get(apiVersion: "v1", kind: "Node", name: node.name) != nil {
            progress("\(node.name): drain")
            try await nodes.drain(node.name)
            progress("\(node.name): leaving the cluster")
            try await nodes.client.delete(apiVersion: "v1", kind: "Node", name: node.name)
        }
        try await session.on(node).run("kubeadm", "reset", "-f")
    }

    // MARK: Delete

    /// Resets every node, workers first.
    static func delete(_ request: TypedDelete<KubeadmClusterAttributes>, using session: KubeadmSession) async throws {
        for node in (request.prior.workers + request.prior.controlPlane.reversed()) {
            request.progress("\(node.name): kubeadm reset")
            try await session.on(node).run("kubeadm", "reset", "-f")
        }
    }

    // MARK: Helpers

    /// Puts `text` where kubeadm reads it (mode 0600), runs `body`, and removes it again, also
    /// when `body` fails: a join config holds a one-time secret.
    static func withConfig(_ text: String, on shell: NodeShell, _ body: () async throws -> Void) async throws {
        try await shell.run("mkdir", "-p", "-m", "0755", "/etc/kubernetes")
        try await shell.writeSecret(text, to: configFile)
        do {
            try await body()
        } catch {
            _ = try? await shell.run("rm", "-f", configFile)
            throw error
        }
        try await shell.run("rm", "-f", configFile)
    }

    static func client(_ kubeconfig: String) throws -> KubernetesClient {
        try KubernetesClient(access: try Kubeconfig.parse(kubeconfig).access())
    }

    static func nodeNames(_ client: KubernetesClient) async throws -> Set<String> {
        Set(try await client.list(apiVersion: "v1", kind: "Node").compactMap { $0["metadata"]?["name"]?.stringValue })
    }

    static func waitForNodes(_ names: Set<String>, client: KubernetesClient, session: KubeadmSession) async throws {
        let deadline = ContinuousClock.now + session.options.nodeTimeout
        while true {
            let missing = names.subtracting(try await nodeNames(client))
            if missing.isEmpty { return }
            guard ContinuousClock.now < deadline else {
                throw ProviderError.failed(
                    "nodes \(missing.sorted().joined(separator: ", ")) did not register within \(session.options.nodeTimeout)")
            }
            try await Task.sleep(for: session.options.pollInterval)
        }
    }

    /// A bootstrap token as the API server's bootstrap authenticator reads it: a Secret
    /// `kube-system/bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token` (kubernetes/kubernetes
    /// `staging/src/k8s.io/cluster-bootstrap/token/api/types.go`), expiring after `lifetime` seconds.
    static func bootstrapToken(id: String, secret: String, lifetime: Int) -> Value {
        let expiration = ISO8601DateFormatter().string(from: Date().addingTimeInterval(TimeInterval(lifetime)))
        let data: [String: String] = [
            "token-id": id, "token-secret": secret, "expiration": expiration, "usage-bootstrap-authentication": "true",
            "usage-bootstrap-signing": "true", "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
        ]
        return [
            "apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
            "metadata": ["name": .string("bootstrap-token-\(id)"), "namespace": "kube-system"],
            "data": .object(data.mapValues { .string(Data($0.utf8).base64EncodedString()) }),
        ]
    }

    /// `sha256:<hex>` of the cluster CA's SubjectPublicKeyInfo: the pin `caCertHashes` holds
    /// (kubeadm `cmd/kubeadm/app/util/pubkeypin`).
    static func caHash(_ kubeconfig: String) throws -> String {
        let config = try Kubeconfig.parse(kubeconfig)
        guard let encoded = config.clusters.first?.item.certificateAuthorityData, let pemData = Data(base64Encoded: encoded),
            let certificate = try? Certificate(pemEncoded: String(decoding: pemData, as: UTF8.self))
        else { throw ProviderError.failed("the admin kubeconfig has no cluster CA to pin") }
        var serializer = DER.Serializer()
        try serializer.serialize(certificate.publicKey)
        return "sha256:" + SHA256.hash(data: serializer.serializedBytes).map { String(format: "%02x", $0) }.joined()
    }

    /// `v1.31.4` in a ClusterConfiguration document, as `1.31.4`.
    static func kubernetesVersion(in document: String) -> String? {
        for line in document.split(separator: "\n") where line.hasPrefix("kubernetesVersion:") {
            let value = line.dropFirst("kubernetesVersion:".count).trimmingCharacters(in: .whitespaces)
            return value.hasPrefix("v") ? String(value.dropFirst()) : value
        }
        return nil
    }

    static func randomToken(_ count: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8(truncatingIfNeeded: generator.next())) }.joined()
    }

    /// HomelabKit's field manager for what it writes into the cluster.
    static let fieldManager = "homelabkit"
}
