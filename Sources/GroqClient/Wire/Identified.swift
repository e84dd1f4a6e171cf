/// An object a list endpoint pages through by id.
protocol Identified {
    var id: String { get }
}
