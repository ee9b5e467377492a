import Foundation

/// Renders a plan as Terraform-style text (`+`, `~`, `-/+`, `-`).
public struct PlanRenderer: Sendable {
    public var style: TerminalStyle

    public init(style: TerminalStyle = .plain) { self.style = style }

    public func render(_ plan: Plan) -> String {
        var out = ""
        for warning in plan.warnings { out += style.yellow("Warning: ") + warning + "\n\n" }
        if !plan.drift.isEmpty {
            out += style.bold("Objects have changed outside of HomelabKit:") + "\n\n"
            for drift in plan.drift {
                if drift.deleted {
                    out += "  # \(drift.address) has been deleted\n"
                } else {
                    out += "  # \(drift.address) has changed\n"
                    for diff in drift.diffs {
                        out += "      ~ \(diff.path) = \(format(diff.after)) -> \(format(diff.before))\n"
                    }
                }
            }
            out += "\n"
        }
        let active = plan.changes.filter { $0.action != .noOp }
        let outputChanges = plan.outputs.filter { $0.action != .noOp }
        if active.isEmpty && outputChanges.isEmpty {
            out += style.green("No changes.") + " Your homelab matches the description.\n"
            return out
        }
        if !active.isEmpty {
            out += "Resource actions are indicated with the following symbols:\n"
            for action in [Action.create, .update, .replace, .delete, .adopt, .forget]
            where active.contains(where: { $0.action == action }) {
                let label: String
                switch action {
                case .create: label = "create"
                case .update: label = "update in-place"
                case .replace: label = "destroy and then create replacement"
                case .adopt: label = "adopt into state (made by an interrupted run)"
                case .forget: label = "remove from state (the object no longer exists)"
                default: label = "destroy"
                }
                out += style.color(for: action, action.symbol.leftPadded(to: 3)) + " \(label)\n"
            }
            out += "\nHomelabKit will perform the following actions:\n\n"
            for change in active { out += render(change) + "\n" }
        }
        let summary = plan.summary
        var counts = "\(summary.add) to add, \(summary.change) to change, \(summary.destroy) to destroy"
        if summary.adopt > 0 { counts += ", \(summary.adopt) to adopt" }
        if summary.forget > 0 { counts += ", \(summary.forget) to forget" }
        out += style.bold("Plan:") + " \(counts).\n"
        if !outputChanges.isEmpty {
            out += "\nChanges to Outputs:\n"
            for output in outputChanges {
                let value: String
                switch output.action {
                case .update: value = "\(format(output.before)) -> \(format(output.after))"
                case .delete: value = format(output.before)
                default: value = format(output.after)
                }
                out += "  " + style.color(for: output.action, output.action.symbol) + " \(output.name) = \(value)\n"
            }
        }
        return out
    }

    public func render(_ change: ResourceChange) -> String {
        let verb: String
        switch change.action {
        case .create: verb = "will be created"
        case .update: verb = "will be updated in-place"
        case .replace: verb = "must be replaced"
        case .delete: verb = "will be destroyed"
        case .adopt: verb = "will be adopted as it is"
        case .forget: verb = "will be removed from state"
        case .noOp: verb = "is unchanged"
        }
        var out = "  # \(style.bold(change.address.description)) \(verb)"
        if let location = change.location { out += style.dim(" (\(location))") }
        out += "\n"
        for reason in change.reasons { out += "  # (\(reason))\n" }
        let symbol = style.color(for: change.action, change.action.symbol.leftPadded(to: 3))
        out += "\(symbol) resource \"\(change.type)\" \"\(change.address.name)\" {\n"
        let width = change.diffs.map(\.path.description.count).max() ?? 0
        for diff in change.diffs {
            let name = diff.path.description.padding(toLength: width, withPad: " ", startingAt: 0)
            let line: String
            switch (diff.before, diff.after) {
            case (nil, let after?):
                line = style.green("+") + " \(name) = \(format(after, indent: 6))"
            case (let before?, nil):
                line = style.red("-") + " \(name) = \(format(before, indent: 6))"
            case (let before?, let after?):
                line = style.yellow("~") + " \(name) = \(format(before, indent: 6)) -> \(format(after, indent: 6))"
            case (nil, nil):
                continue
            }
            out += "      \(line)" + (diff.forcesReplacement ? style.red(" # forces replacement") : "") + "\n"
        }
        out += "    }\n"
        return out
    }

    private func format(_ value: Value?, indent: Int = 0) -> String {
        value.map { ValueFormatter.format($0, indent: indent) } ?? "null"
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
