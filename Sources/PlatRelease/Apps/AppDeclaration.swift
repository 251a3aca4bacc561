import PlatLang

/// `app "web" { deploy: deploy_web, envs: {test: "test", prod: "production"}, owners: ["alice"],
/// requires: {"auth-api": "^2.1"}, policy: {...} }`: a deployable app, its deploy plan, its environments and
/// their classes. The resolver checks the shape (keys, types, that the deploy plan exists); `AppDefinition`
/// checks what only releases know (classes, app names, ranges, the policy), with the place of each entry.
public enum AppDeclaration {
    public static let spec = DeclarationSpec(keyword: "app", keys: .fixed([
        DeclarationKey("deploy", .plan, required: true, missingHint: "deploy: deploy_web names the plan that deploys a version"),
        DeclarationKey("envs", .map(.string), required: true,
                       example: "{test: \"test\", \"stage-sh\": \"staging\", prod: \"production\"}"),
        DeclarationKey("owners", .list(.string), example: "[\"alice\"]"),
        DeclarationKey("requires", .map(.string), example: "{\"auth-api\": \"^2.1\"}"),
        DeclarationKey("policy", .any, example: "{rc: {envs: [\"staging\"], needs: \"staging\"}}"),
    ]))
}
