import Crypto
import Foundation
import SwiftASN1
import X509

/// A throwaway certificate authority for the simulators: a self-signed CA, and server and client
/// certificates issued by it, all in memory. Clients trust ``caPEM`` (or pin a server key) exactly
/// as they would trust Proxmox's `pve-root-ca.pem`.
public struct SandboxCertificateAuthority: Sendable {
    public struct Identity: Sendable {
        public var certificatePEM: String
        public var privateKeyPEM: String
        /// `sha256//<base64 of the SHA-256 of the public key info>`, the form libcurl pins.
        public var publicKeyPin: String
    }

    public let caPEM: String
    private let caName: DistinguishedName
    private let caKey: P256.Signing.PrivateKey

    public init(name: String = "HomelabSandbox CA") throws {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-3600),
            notValidAfter: Date().addingTimeInterval(3600 * 24 * 365),
            issuer: subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key)
        )
        self.caPEM = try certificate.serializeAsPEM().pemString
        self.caName = subject
        self.caKey = key
    }

    /// The CA restored from ``caPEM`` and ``keyPEM`` saved by an earlier run (the sandbox keeps
    /// its Kubernetes API's CA, which the kubeconfigs it handed out trust).
    public init(caPEM: String, keyPEM: String) throws {
        let certificate = try Certificate(pemEncoded: caPEM)
        self.caPEM = caPEM
        self.caName = certificate.subject
        self.caKey = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
    }

    /// The CA's private key, to save it beside ``caPEM`` (mode 0600: it signs client identities).
    public var keyPEM: String { caKey.pemRepresentation }

    /// The CA kept at `path` (its certificate and key, mode 0600), made there on first use: what
    /// the sandbox's clients were told to trust stays true across runs.
    public static func persisted(at path: String, name: String) throws -> SandboxCertificateAuthority {
        if let data = FileManager.default.contents(atPath: path),
            let saved = try? JSONDecoder().decode([String: String].self, from: data), let ca = saved["ca"], let key = saved["key"]
        {
            return try SandboxCertificateAuthority(caPEM: ca, keyPEM: key)
        }
        let authority = try SandboxCertificateAuthority(name: name)
        let data = try JSONEncoder().encode(["ca": authority.caPEM, "key": authority.keyPEM])
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return authority
    }

    /// A server certificate for `localhost`, 127.0.0.1 and any further IPv4 addresses and DNS names.
    public func issueServer(commonName: String = "localhost", addresses: [String] = [], dnsNames: [String] = []) throws -> Identity {
        var names: [GeneralName] = [.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))]
        names += dnsNames.map { .dnsName($0) }
        for address in addresses {
            let octets = address.split(separator: ".").compactMap { UInt8($0) }
            if octets.count == 4 { names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(octets)))) }
        }
        return try issue(commonName: commonName, usage: .serverAuth, alternativeNames: SubjectAlternativeNames(names))
    }

    /// A client certificate (Kubernetes maps CN to the user and O to its groups).
    public func issueClient(commonName: String, organization: String? = nil) throws -> Identity {
        try issue(commonName: commonName, organization: organization, usage: .clientAuth, alternativeNames: nil)
    }

    private func issue(
        commonName: String,
        organization: String? = nil,
        usage: ExtendedKeyUsage.Usage,
        alternativeNames: SubjectAlternativeNames?
    ) throws -> Identity {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            if let organization { OrganizationName(organization) }
            CommonName(commonName)
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-3600),
            notValidAfter: Date().addingTimeInterval(3600 * 24 * 30),
            issuer: caName,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([usage])
                if let alternativeNames { alternativeNames }
            },
            issuerPrivateKey: .init(caKey)
        )
        let pin = "sha256//" + Data(SHA256.hash(data: key.publicKey.derRepresentation)).base64EncodedString()
        return Identity(
            certificatePEM: try certificate.serializeAsPEM().pemString,
            privateKeyPEM: key.pemRepresentation,
            publicKeyPin: pin
        )
    }
}
