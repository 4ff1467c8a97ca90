import Foundation
import XCTest

/// What a test needs from outside its own fixtures (a lab scene, a reference tool, a
/// debug kernel, the report corpus) and how the suite treats its absence: on a
/// developer's machine the test is skipped, saying what is missing and which command
/// makes it; under CI (`CI=true`) the same absence fails the test, so a run that proves
/// nothing is never green.
public enum TestInput {
  /// CI runs set `CI=true`: every input must then be there.
  public static var underCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

  /// The error for a missing input: an `XCTSkip` outside CI, a failure under CI.
  /// `input` names what is missing, `command` what makes it.
  public static func missing(
    _ input: String, makeWith command: String, file: StaticString = #filePath, line: UInt = #line
  ) -> any Error {
    unavailable("\(input) is missing (make it with: \(command))", file: file, line: line)
  }

  /// The same for an input that is there but turned off: `message` says which and how
  /// to turn it on.
  public static func unavailable(
    _ message: String, file: StaticString = #filePath, line: UInt = #line
  )
    -> any Error
  {
    if underCI { return MissingTestInput(message: message) }
    return XCTSkip(message, file: file, line: line)
  }

  /// The prefix of every opt-in skip's message, which scripts/test counts apart.
  public static let optInPrefix = "opt-in:"

  /// A skip of work that runs only when asked for (regenerating fixtures, writing fuzz
  /// seeds): skipped everywhere, CI included, and counted apart by scripts/test.
  public static func optIn(
    _ work: String, setting variable: String, file: StaticString = #filePath, line: UInt = #line
  ) -> XCTSkip {
    XCTSkip("\(optInPrefix) \(work) runs when \(variable) is set", file: file, line: line)
  }

  /// The value of an environment variable that turns opt-in work on, or an opt-in skip.
  public static func optInValue(
    _ variable: String, for work: String, file: StaticString = #filePath, line: UInt = #line
  ) throws -> String {
    guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
      throw optIn(work, setting: variable, file: file, line: line)
    }
    return value
  }

  /// A file the test reads, or the missing-input error naming the command that makes it.
  public static func file(
    _ path: String, makeWith command: String, file: StaticString = #filePath, line: UInt = #line
  ) throws -> String {
    guard FileManager.default.fileExists(atPath: path) else {
      throw missing(path, makeWith: command, file: file, line: line)
    }
    return path
  }
}

/// A test input absent under CI: thrown from a test, it fails it with this message.
public struct MissingTestInput: Error, CustomStringConvertible {
  public var message: String
  public var description: String { "CI=true and " + message }
}
