import XCTest

@testable import Examine

#if canImport(Glibc)
  import Glibc
#endif

/// What examine makes of inputs that are not ordinary files: nothing read is no
/// evidence, a FIFO without a writer ends instead of waiting, a stream without end
/// is refused at its bound.
final class EvidenceInputTests: XCTestCase {
  private func scratch() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "evidence-input-\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
    return folder
  }

  func testEmptyFileIsNoEvidence() throws {
    let path = try scratch().appendingPathComponent("empty.log").path
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data()))
    XCTAssertThrowsError(try Examiner().examine(path: path)) { error in
      guard case ExamineError.badData(let named, let problem, _) = error else {
        return XCTFail("expected bad data, got \(error)")
      }
      XCTAssertEqual(named, path)
      XCTAssertEqual(problem, "empty")
    }
  }

  func testFifoWithoutWriterEndsAsNoEvidence() throws {
    let path = try scratch().appendingPathComponent("fifo").path
    XCTAssertEqual(mkfifo(path, 0o600), 0)
    // O_NONBLOCK open: no writer reads as an immediate end, never a wait.
    XCTAssertThrowsError(try Examiner().examine(path: path)) { error in
      guard case ExamineError.badData(_, let problem, _) = error else {
        return XCTFail("expected bad data, got \(error)")
      }
      XCTAssertEqual(problem, "empty")
    }
  }

  func testMissingAndDirectoryAreNamed() throws {
    let folder = try scratch()
    let missing = folder.appendingPathComponent("nothing").path
    XCTAssertThrowsError(try Examiner().examine(path: missing)) { error in
      XCTAssertEqual(error as? ExamineError, .missing(path: missing))
    }
    XCTAssertThrowsError(try Examiner().examine(path: folder.path)) { error in
      guard case ExamineError.unreadable(let named, _) = error else {
        return XCTFail("expected unreadable, got \(error)")
      }
      XCTAssertEqual(named, folder.path)
    }
  }
}
