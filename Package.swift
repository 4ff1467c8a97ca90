// swift-tools-version:6.0
// Coroner: the black box and the coroner of a dead Linux kernel.
// The library targets are the architecture of docs/design.md: evidence flows
// bytes -> records -> reports -> store.
import PackageDescription

let package = Package(
  name: "coroner",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "coroner", targets: ["coroner"]),
    .library(name: "KernelLog", targets: ["KernelLog"]),
    .library(name: "Dump", targets: ["Dump"]),
    .library(name: "Lab", targets: ["Lab"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
    .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
    .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
  ],
  targets: [
    // Console text -> LogRecord -> CrashReport. Depends on nothing.
    .target(name: "KernelLog"),
    // vmcore bytes -> physical memory -> kernel virtual memory -> printk records.
    .target(name: "Dump", dependencies: ["KernelLog", "CZlib"], exclude: ["README.md"]),
    // Addresses -> names and source lines.
    .target(name: "Symbols", dependencies: ["Dump", "CZlib"], exclude: ["README.md"]),
    // The live host: doctor, arm, capture writer, pstore.
    .target(name: "Capture", dependencies: ["Dump", "KernelLog", "CZlib", "CKexec"]),
    // The system zlib (zlib1g-dev): dump pages, compressed sections, pstore records.
    // zstd, lzo and snappy are loaded at run time (see Dump/PageCodec.swift).
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    // kexec_file_load(2): no glibc wrapper, and Swift cannot call the variadic syscall(2).
    .target(name: "CKexec"),
    // Netconsole receiver, ingest, buckets.
    // The store is sql-kit over SQLite (default) or PostgreSQL; UDP through SwiftNIO,
    // HTTP through Hummingbird.
    .target(
      name: "Collector",
      dependencies: [
        "KernelLog",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "SQLKit", package: "sql-kit"),
        .product(name: "SQLiteKit", package: "sqlite-kit"),
        .product(name: "PostgresKit", package: "postgres-kit"),
      ]),
    // QEMU, kernels, initramfs, detonators, scenarios.
    .target(name: "Lab", resources: [.copy("Detonators")]),
    .executableTarget(
      name: "coroner",
      dependencies: [
        "KernelLog", "Dump", "Symbols", "Capture", "Collector", "Lab",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .testTarget(name: "KernelLogTests", dependencies: ["KernelLog"], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "DumpTests", dependencies: ["Dump", "KernelLog", "CZlib", "Lab"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "SymbolsTests", dependencies: ["Symbols"], resources: [.copy("Fixtures")]),
    .testTarget(name: "CaptureTests", dependencies: ["Capture", "Lab"], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "CollectorTests",
      dependencies: [
        "Collector", "KernelLog",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ]),
    .testTarget(name: "LabTests", dependencies: ["Lab", "Dump", "KernelLog"]),
    // The joins: examine over vmcores, kallsyms from dumps, lab scenes.
    .testTarget(name: "ExamineTests", dependencies: ["coroner", "Dump", "KernelLog", "Symbols", "Lab"]),
  ],
  swiftLanguageModes: [.v5]
)
