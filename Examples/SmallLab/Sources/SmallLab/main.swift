import HomelabCLI
import HomelabKit
import SmallLabKit

await HomelabCommand.main(
    lab: SmallLab.lab,
    providers: Lab.defaultProviders.registering(HostsFileProvider(path: ".homelab/hosts"))
)
