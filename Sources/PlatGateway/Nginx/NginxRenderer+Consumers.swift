/// How app keys are checked by stock nginx, with no key in clear in the configuration (docs/gateway.md,
/// "Consumers and keys"):
///
/// - `$gw_key_id`: the id part of `X-Api-Key` when the header has a key's shape (`KEYID.SECRET`), else empty;
/// - `$gw_key_digest` and `$gw_key_consumer`: that key id's stored digest and consumer (empty when unknown or
///   revoked);
/// - per resource, the `app_key` plugin (stdlib) writes the checks: `secure_link_md5` computes the digest of
///   the header and `secure_link` compares it with the stored one: `$secure_link` is empty when they differ (401);
/// - `$gw_granted`: a grant of the consumer on `GATEWAY/RESOURCE`, else on the whole `GATEWAY`, the two
///   looked up by `"$gw_key_consumer $gw_grant_resource"` and `"$gw_key_consumer $gw_grant_gateway"`, which
///   each resource location sets (403 without one).
extension NginxRenderer {
    /// The request header the backend receives naming the consumer whose key was accepted.
    public static let consumerHeader = "X-Gateway-Consumer"

    static func renderConsumers(_ t: ConsumerTable) -> String {
        var out = "# consumers (revision \(t.revision)): key ids, digests of keys and grants; no key is written here\n"
        out += "map_hash_bucket_size 256;\nmap_hash_max_size 262144;\n"
        out += "map $http_x_api_key $gw_key_id {\n    default \"\";\n    \"~\(ConsumerKeyText.nginxPattern)\" $1;\n}\n"
        let keys = t.keys.sorted { $0.id < $1.id }
        out += "map $gw_key_id $gw_key_digest {\n    default \"\";\n"
        for k in keys { out += "    \"\(k.id)\" \"\(k.digest)\";\n" }
        out += "}\n"
        out += "map $gw_key_id $gw_key_consumer {\n    default \"\";\n"
        for k in keys { out += "    \"\(k.id)\" \"\(k.consumer)\";\n" }
        out += "}\n"
        let grants = t.grants.sorted { ($0.consumer, $0.scope) < ($1.consumer, $1.scope) }
        out += "map \"$gw_key_consumer $gw_grant_gateway\" $gw_granted_gateway {\n    default \"\";\n"
        for g in grants where g.resource == nil { out += "    \"\(g.consumer) \(g.gateway)\" 1;\n" }
        out += "}\n"
        out += "map \"$gw_key_consumer $gw_grant_resource\" $gw_granted {\n    default $gw_granted_gateway;\n"
        for g in grants where g.resource != nil { out += "    \"\(g.consumer) \(g.scope)\" 1;\n" }
        out += "}\n"
        return out + renderConsumerLimits(t.limits)
    }
}
