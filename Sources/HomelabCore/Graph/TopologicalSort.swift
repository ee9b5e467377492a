/// Kahn's algorithm over integer vertices, stable in declaration order, reporting whole cycles.
enum TopologicalSort {
    struct Result {
        var sorted: [Int]
        var cycles: [[Int]]
    }

    /// `dependencies[v]` lists the vertices `v` depends on; they come before `v` in `sorted`.
    static func order(count: Int, dependencies: [[Int]]) -> Result {
        var remaining = dependencies.map(\.count)
        var dependents: [[Int]] = Array(repeating: [], count: count)
        for (vertex, deps) in dependencies.enumerated() {
            for dependency in deps { dependents[dependency].append(vertex) }
        }
        var queue = (0..<count).filter { remaining[$0] == 0 }
        var head = 0
        while head < queue.count {
            let vertex = queue[head]
            head += 1
            for dependent in dependents[vertex] {
                remaining[dependent] -= 1
                if remaining[dependent] == 0 { queue.append(dependent) }
            }
        }
        guard queue.count < count else { return Result(sorted: queue, cycles: []) }
        return Result(sorted: queue, cycles: findCycles(among: Set((0..<count).filter { remaining[$0] > 0 }), dependencies))
    }

    /// Walks dependency edges among the unsorted vertices; every walk ends on a cycle or a dead end.
    private static func findCycles(among unsorted: Set<Int>, _ dependencies: [[Int]]) -> [[Int]] {
        var left = unsorted
        var cycles: [[Int]] = []
        while let start = left.min() {
            var path: [Int] = []
            var position: [Int: Int] = [:]
            var vertex = start
            while true {
                if let index = position[vertex] {
                    let cycle = Array(path[index...])
                    cycles.append(cycle)
                    break
                }
                position[vertex] = path.count
                path.append(vertex)
                guard let next = dependencies[vertex].filter({ left.contains($0) }).min() else { break }
                vertex = next
            }
            left.subtract(path)
        }
        return cycles
    }
}
