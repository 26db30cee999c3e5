extension Result where Failure == any Error {
    /// The outcome of an async throwing body.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}

/// Runs `body` for every item, at most `limit` at once; the outputs in the items' order.
func concurrently<Item: Sendable, Output: Sendable>(
    _ items: [Item], limit: Int, _ body: @escaping @Sendable (Item) async -> Output
) async -> [Output] {
    await withTaskGroup(of: (Int, Output).self) { group in
        var outputs = [Output?](repeating: nil, count: items.count)
        var next = 0
        while next < min(limit, items.count) {
            let (index, item) = (next, items[next])
            group.addTask { (index, await body(item)) }
            next += 1
        }
        while let (index, output) = await group.next() {
            outputs[index] = output
            if next < items.count {
                let (index, item) = (next, items[next])
                group.addTask { (index, await body(item)) }
                next += 1
            }
        }
        return outputs.compactMap { $0 }
    }
}
