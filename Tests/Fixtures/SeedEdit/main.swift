import HomelabCLI
import HomelabKit
import SeedHomelab

// The seed with one edit a user would make in its Swift: homelabk8s01-node-2 gets 6 cores
// instead of 4. `SandboxTests` applies the seed with `Homelab`, then this, to the same sandbox:
// the plan must be exactly one in-place update. The seed's builder properties nest groups, so
// the walk goes through them.
func edited(_ content: any LabContent) -> any LabContent {
    if let group = content as? DeclarationGroup<any LabContent> { return DeclarationGroup(group.members.map(edited)) }
    guard var proxmox = content as? Proxmox else { return content }
    proxmox.contents = proxmox.contents.map(edited)
    return proxmox
}

func edited(_ content: any ProxmoxContent) -> any ProxmoxContent {
    if let group = content as? DeclarationGroup<any ProxmoxContent> { return DeclarationGroup(group.members.map(edited)) }
    guard var node = content as? Node else { return content }
    node.contents = node.contents.map(edited)
    return node
}

func edited(_ content: any NodeContent) -> any NodeContent {
    if let group = content as? DeclarationGroup<any NodeContent> { return DeclarationGroup(group.members.map(edited)) }
    guard var vm = content as? VM, vm.name == "homelabk8s01-node-2" else { return content }
    vm.cores = 6
    return vm
}

var lab = SeedHomelab.lab
lab.contents = lab.contents.map(edited)
await HomelabCommand.main(lab: lab)
