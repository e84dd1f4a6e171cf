import ArgumentParser
struct SimCommand: AsyncParsableCommand { static let configuration = CommandConfiguration(commandName: "sim", abstract: "Run the simulator."); func run() async throws {} }
