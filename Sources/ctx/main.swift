import CtxCLI
import Foundation

exit(await Ctx.runMain())
