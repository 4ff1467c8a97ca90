import Foundation
import XCTest

/// The `coroner` built with the tests, for tests that run it as a user does: it lies in
/// the products folder, which is the test bundle itself on Linux and the folder around
/// the `.xctest` bundle elsewhere.
public enum BuiltCoroner {
  /// Its path; a missing binary is a missing input (a failure under CI).
  public static func url(
    beside testClass: AnyClass, file: StaticString = #filePath, line: UInt = #line
  ) throws -> URL {
    var products = Bundle(for: testClass).bundleURL
    if products.pathExtension == "xctest" { products.deleteLastPathComponent() }
    let coroner = products.appendingPathComponent("coroner")
    guard FileManager.default.isExecutableFile(atPath: coroner.path) else {
      throw TestInput.missing(
        "the coroner binary beside the tests (\(coroner.path))", makeWith: "swift build", file: file,
        line: line)
    }
    return coroner
  }
}
