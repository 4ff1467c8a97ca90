import NIOConcurrencyHelpers
import SQLKit

/// Group commit: writes that arrive while the store is busy wait, then run together
/// in one transaction, and each caller hears back only after that transaction
/// committed. A caller's answer (an HTTP 201) therefore still means "on disk"
/// (a kill -9 loses nothing acknowledged), while one commit, and one round of the
/// pages every upload touches (bucket rows, indexes), serves many uploads. This is
/// the group commit of database logs (Gray and Reuter, "Transaction Processing",
/// 9.4.7; PostgreSQL's commit_delay does it for WAL flushes).
///
/// A write that throws takes its batch down with it (the transaction is rolled back);
/// the batch is then run again one write per transaction, so that only the failing
/// write's caller sees its error. Bodies must therefore expect to run more than once,
/// each time in a fresh transaction: they only talk to the database given to them.
actor GroupCommit {
  /// A connection to write on, and how to give it back.
  typealias Lease = (database: any SQLDatabase, release: @Sendable () -> Void)

  private struct Job {
    let run: @Sendable (any SQLDatabase) async -> Bool
    let finish: @Sendable ((any Error)?) -> Void
  }

  private let acquire: @Sendable () async throws -> Lease
  private let maximumBatch: Int
  private var pending: [Job] = []
  private var draining = false

  init(maximumBatch: Int = 64, acquire: @escaping @Sendable () async throws -> Lease) {
    self.maximumBatch = max(1, maximumBatch)
    self.acquire = acquire
  }

  /// Runs `body` in a transaction, maybe shared with other callers'; returns once it
  /// committed.
  func run<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
    // The write's result, set by the batch that ran it (again, if the batch was rerun).
    let outcome = NIOLockedValueBox<Result<R, any Error>?>(nil)
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<R, any Error>) in
      pending.append(
        Job(
          run: { database in
            do {
              let value = try await body(database)
              outcome.withLockedValue { $0 = .success(value) }
              return true
            } catch {
              outcome.withLockedValue { $0 = .failure(error) }
              return false
            }
          },
          finish: { failure in
            switch (outcome.withLockedValue { $0 }, failure) {
            case (.failure(let error)?, _): continuation.resume(throwing: error)
            case (_, let failure?): continuation.resume(throwing: failure)
            case (.success(let value)?, nil): continuation.resume(returning: value)
            case (nil, nil): continuation.resume(throwing: CancellationError())
            }
          }))
      if !draining {
        draining = true
        Task { await self.drain() }
      }
    }
  }

  private func drain() async {
    while !pending.isEmpty {
      let batch = Array(pending.prefix(maximumBatch))
      pending.removeFirst(batch.count)
      await commit(batch)
    }
    draining = false
  }

  private func commit(_ batch: [Job]) async {
    let lease: Lease
    do {
      lease = try await acquire()
    } catch {
      for job in batch { job.finish(error) }
      return
    }
    defer { lease.release() }
    let database = lease.database
    if batch.count > 1 {
      do {
        try await database.raw("BEGIN").run()
        var allRan = true
        for job in batch where !(await job.run(database)) {
          allRan = false
          break
        }
        if allRan {
          try await database.raw("COMMIT").run()
          for job in batch { job.finish(nil) }
          return
        }
        try await database.raw("ROLLBACK").run()
      } catch {
        try? await database.raw("ROLLBACK").run()
      }
    }
    // One write per transaction: a single write, or a batch that failed as a whole.
    for job in batch {
      do {
        try await database.raw("BEGIN").run()
        if await job.run(database) {
          try await database.raw("COMMIT").run()
        } else {
          try await database.raw("ROLLBACK").run()
        }
        job.finish(nil)
      } catch {
        try? await database.raw("ROLLBACK").run()
        job.finish(error)
      }
    }
  }
}
