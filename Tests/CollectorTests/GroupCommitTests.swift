import Collector
import Foundation
import SQLKit
import XCTest

/// Writes sent together share transactions (group commit), yet each caller hears of
/// its own write only: a write that throws is rolled back alone, the others are kept.
final class GroupCommitTests: XCTestCase {
  struct Refused: Error, Equatable { var index: Int }

  func testConcurrentWritesAreEachCommittedAndAFailingOneIsRolledBackAlone() async throws {
    try await StoreBackends.each { backend, store in
      let database = store.database
      try await database.transaction { db in
        try await db.raw("CREATE TABLE group_commit_probe (n BIGINT PRIMARY KEY)").run()
      }
      let failing = 17
      let results = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
        for index in 0..<40 {
          group.addTask {
            do {
              let value = try await database.transaction { db -> Int in
                try await db.raw("INSERT INTO group_commit_probe (n) VALUES (\(bind: index))").run()
                if index == failing { throw Refused(index: index) }
                return index * 2
              }
              return (index, .success(value))
            } catch {
              return (index, .failure(error))
            }
          }
        }
        var all: [Int: Result<Int, any Error>] = [:]
        for await (index, result) in group { all[index] = result }
        return all
      }
      for index in 0..<40 {
        switch results[index] {
        case .success(let value)?:
          XCTAssertNotEqual(index, failing, backend)
          XCTAssertEqual(value, index * 2, backend)
        case .failure(let error)?:
          XCTAssertEqual(index, failing, "\(backend): \(error)")
          XCTAssertEqual(error as? Refused, Refused(index: failing), backend)
        case nil:
          XCTFail("\(backend): write \(index) never answered")
        }
      }
      let rows = try await database.reader.raw("SELECT n FROM group_commit_probe ORDER BY n").all()
      let stored = try rows.map { try $0.decode(column: "n", as: Int.self) }
      XCTAssertEqual(stored, (0..<40).filter { $0 != failing }, backend)
    }
  }
}
