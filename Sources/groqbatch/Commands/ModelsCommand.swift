import ArgumentParser
struct ModelsCommand: AsyncParsableCommand { static let configuration = CommandConfiguration(commandName: "models", abstract: "List models."); func run() async throws {} }
