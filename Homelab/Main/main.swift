import HomelabCLI
import SeedHomelab

// `swift run Homelab plan` plans the seed homelab; every subcommand works on this description.
await HomelabCommand.main(lab: SeedHomelab.lab)
