import Testing
@testable import SyncropelReplica

struct S3ConfigurationTests {
    @Test func parsesBucketAndPrefix() throws {
        #expect(try S3Location(url: "s3://backups/spl/prod") == S3LocationValue("backups", "spl/prod"))
        #expect(try S3Location(url: "s3://backups/spl/prod/") == S3LocationValue("backups", "spl/prod"))
        #expect(try S3Location(url: "s3://backups") == S3LocationValue("backups", ""))
        #expect(try S3Location(url: "s3://backups/") == S3LocationValue("backups", ""))
        #expect(try S3Location(url: "s3://my.bucket-01/a").description == "s3://my.bucket-01/a")
        #expect(try S3Location(url: "s3://my.bucket-01").description == "s3://my.bucket-01")
    }

    @Test func objectKeysLiveUnderThePrefix() throws {
        let location = try S3Location(url: "s3://backups/spl")
        #expect(location.objectKey("instance-1/x") == "spl/instance-1/x")
        #expect(location.replicaKeyText(ofObjectKey: "spl/instance-1/x") == "instance-1/x")
        #expect(location.replicaKeyText(ofObjectKey: "splendid/x") == nil)
        let whole = try S3Location(url: "s3://backups")
        #expect(whole.objectKey("instance-1/x") == "instance-1/x")
        #expect(whole.replicaKeyText(ofObjectKey: "instance-1/x") == "instance-1/x")
    }

    @Test func refusesMalformedURLsWithTheRuleBroken() {
        let cases: [(String, S3ConfigurationError, String)] = [
            ("file:///tmp/x", .notS3URL(url: "file:///tmp/x"),
             #"replica URL "file:///tmp/x" is not an S3 URL; write s3://bucket/prefix"#),
            ("S3://bucket/x", .notS3URL(url: "S3://bucket/x"),
             #"replica URL "S3://bucket/x" is not an S3 URL; write s3://bucket/prefix"#),
            ("s3://AKIAKEY:topsecret@bucket/x", .credentialsInURL,
             "replica URL holds a user or password; write s3://bucket/prefix and put the key in"
                + " AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or secrets/aws-credentials"),
            ("s3://bucket/x?versionId=1", .queryInURL(url: "s3://bucket/x?versionId=1"),
             #"replica URL "s3://bucket/x?versionId=1" has a query or fragment; write s3://bucket/prefix"#),
            ("s3://bucket:9000/x", .portInURL(url: "s3://bucket:9000/x"),
             #"replica URL "s3://bucket:9000/x" has a port; write s3://bucket/prefix and give the server as endpoint"#),
            ("s3:///x", .badBucket(url: "s3:///x", bucket: "", rule: "a bucket name has 3 to 63 characters"),
             #"replica URL "s3:///x" names bucket "": a bucket name has 3 to 63 characters"#),
            ("s3://My_Bucket/x", .badBucket(url: "s3://My_Bucket/x", bucket: "My_Bucket",
                rule: "a bucket name has only lower-case letters, digits, '.' and '-'"),
             #"replica URL "s3://My_Bucket/x" names bucket "My_Bucket": a bucket name has only lower-case letters, digits, '.' and '-'"#),
            ("s3://-bucket/x", .badBucket(url: "s3://-bucket/x", bucket: "-bucket",
                rule: "a bucket name starts and ends with a letter or digit"),
             #"replica URL "s3://-bucket/x" names bucket "-bucket": a bucket name starts and ends with a letter or digit"#),
            ("s3://a..b/x", .badBucket(url: "s3://a..b/x", bucket: "a..b", rule: "a bucket name has no '..'"),
             #"replica URL "s3://a..b/x" names bucket "a..b": a bucket name has no '..'"#),
            ("s3://bucket/a//b", .badPrefix(url: "s3://bucket/a//b", prefix: "a//b"),
             #"replica URL "s3://bucket/a//b" has prefix "a//b": a prefix is folder names of [A-Za-z0-9._-] joined by '/', none empty, '.' or '..'"#),
            ("s3://bucket/../up", .badPrefix(url: "s3://bucket/../up", prefix: "../up"),
             #"replica URL "s3://bucket/../up" has prefix "../up": a prefix is folder names of [A-Za-z0-9._-] joined by '/', none empty, '.' or '..'"#),
            ("s3://bucket/with space", .badPrefix(url: "s3://bucket/with space", prefix: "with space"),
             #"replica URL "s3://bucket/with space" has prefix "with space": a prefix is folder names of [A-Za-z0-9._-] joined by '/', none empty, '.' or '..'"#),
        ]
        for (url, error, message) in cases {
            #expect(throws: error, "\(url)") { try S3Location(url: url) }
            #expect(error.description == message)
        }
        // The user and password never reach the message.
        #expect(!S3ConfigurationError.credentialsInURL.description.contains("topsecret"))
    }

    @Test func parsesEndpoints() throws {
        #expect(try S3Endpoint(url: "http://127.0.0.1:9000").description == "http://127.0.0.1:9000")
        #expect(try S3Endpoint(url: "https://s3.example.net/").description == "https://s3.example.net")
        #expect(try S3Endpoint(url: "http://[::1]:9000").host == "[::1]")
        #expect(try S3Endpoint(url: "http://[::1]:9000").port == 9000)
        #expect(S3Endpoint.aws(region: "eu-west-1").description == "https://s3.eu-west-1.amazonaws.com")
    }

    @Test func refusesMalformedEndpoints() {
        let cases: [(String, String)] = [
            ("ftp://host", "it must start with http:// or https://"),
            ("http://host/path", "it has a path, query or fragment; give only scheme, host and port"),
            ("http://host:0", "its port is not a number from 1 to 65535"),
            ("http://host:99999", "its port is not a number from 1 to 65535"),
            ("http://host:+80", "its port is not a number from 1 to 65535"),
            ("http://", "it has no host"),
            ("http://ho_st", "its host has characters other than letters, digits, '.' and '-'"),
            ("http://[::1", "its IPv6 address has no closing ']'"),
        ]
        for (url, rule) in cases {
            #expect(throws: S3ConfigurationError.badEndpoint(url: url, rule: rule)) { try S3Endpoint(url: url) }
        }
        #expect(throws: S3ConfigurationError.credentialsInEndpoint) { try S3Endpoint(url: "http://key:secret@host") }
        #expect(S3ConfigurationError.credentialsInEndpoint.description
            == "S3 endpoint holds a user or password; give only scheme, host and port")
        #expect(S3ConfigurationError.badEndpoint(url: "http://host/path", rule: "it has no host").description
            == #"S3 endpoint "http://host/path" is not valid: it has no host"#)
    }

    @Test func configurationDefaultsToAWSInUSEast1() throws {
        let configuration = try S3ReplicaConfiguration(url: "s3://backups/spl")
        #expect(configuration.region == "us-east-1")
        #expect(configuration.endpoint == .aws(region: "us-east-1"))
        #expect(configuration.pathStyle == false)
        #expect(configuration.requestTimeout == .seconds(60))
    }

    @Test func configurationRefusesWhatCannotWork() {
        #expect(throws: S3ConfigurationError.badRegion(region: "EU West")) {
            try S3ReplicaConfiguration(url: "s3://backups", region: "EU West")
        }
        #expect(S3ConfigurationError.badRegion(region: "EU West").description
            == #"S3 region "EU West" is not valid: a region is lower-case letters, digits and '-'"#)
        #expect(throws: S3ConfigurationError.virtualHostOnIPAddress(endpoint: "http://127.0.0.1:9000")) {
            try S3ReplicaConfiguration(url: "s3://backups", endpoint: "http://127.0.0.1:9000", pathStyle: false)
        }
        #expect(S3ConfigurationError.virtualHostOnIPAddress(endpoint: "http://127.0.0.1:9000").description
            == "S3 endpoint http://127.0.0.1:9000 is an IP address, which cannot carry the bucket as a host name; set path_style = true")
        #expect(throws: S3ConfigurationError.badTimeout) {
            try S3ReplicaConfiguration(url: "s3://backups", requestTimeout: .zero)
        }
        #expect(S3ConfigurationError.badTimeout.description == "S3 request timeout must be more than zero")
    }
}

/// `S3Location` is made only by parsing; this is what a parse should give.
private struct S3LocationValue: Equatable {
    let bucket: String
    let prefix: String
    init(_ bucket: String, _ prefix: String) {
        self.bucket = bucket
        self.prefix = prefix
    }
}

private func == (location: S3Location, value: S3LocationValue) -> Bool {
    location.bucket == value.bucket && location.prefix == value.prefix
}
