import CtxServe
import Foundation

// `ctx serve` runs this executable in its place; see Sources/CtxServe.
exit(await Serve.runMain())
