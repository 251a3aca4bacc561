import PlatLang

/// `scheme "prod" for deploy { env: "prod", hosts: "web-*" }`: a named set of a plan's parameters, started with
/// `platflow run FILE --scheme prod` (`--param` overrides). Its keys are the plan's parameters, each with a
/// constant value; the run converts and checks them like `--param` strings.
public enum SchemeDeclaration {
    public static let spec = DeclarationSpec(keyword: "scheme", target: .required(purpose: "presets"),
                                             keys: .planParameters)
}
