import Testing
@testable import SyncropelReplica

struct ListObjectsV2PageTests {
    static func page(_ body: String) -> [UInt8] {
        Array(#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#.utf8)
            + Array(body.utf8) + Array("</ListBucketResult>".utf8)
    }

    @Test func readsKeysSizesAndTheNextToken() throws {
        let page = try ListObjectsV2Page.parse(Self.page("""
            <Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>
            <Contents><Key>p/a&amp;b</Key><LastModified>2026-12-05T07:20:40.000Z</LastModified><Size>12</Size></Contents>
            <Contents><Key>p/c</Key><Size>0</Size></Contents>
            <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
            """))
        #expect(page.objects == [.init(key: "p/a&b", size: 12), .init(key: "p/c", size: 0)])
        #expect(page.isTruncated)
        #expect(page.nextContinuationToken == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
    }

    @Test func anEmptyLastPage() throws {
        let page = try ListObjectsV2Page.parse(Self.page("<KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>"))
        #expect(page == ListObjectsV2Page(objects: [], isTruncated: false, nextContinuationToken: nil))
    }

    @Test(arguments: [
        ("<IsTruncated>true</IsTruncated>", S3ListingProblem.truncatedWithoutToken),
        ("<IsTruncated>true</IsTruncated><NextContinuationToken></NextContinuationToken>", .truncatedWithoutToken),
        ("<IsTruncated>maybe</IsTruncated>", .badTruncatedFlag),
        ("<Contents><Size>1</Size></Contents>", .objectWithoutKey(index: 0)),
        ("<Contents><Key>k</Key><Size>-1</Size></Contents>", .badSize(key: "k")),
        ("<Contents><Key>k</Key><Size>huge</Size></Contents>", .badSize(key: "k")),
        ("<Contents><Key>k</Key></Contents>", .badSize(key: "k")),
    ])
    func refusesAPageThatCannotBeTrusted(body: String, problem: S3ListingProblem) {
        #expect(throws: problem) { try ListObjectsV2Page.parse(Self.page(body)) }
    }

    @Test func refusesWhatIsNotAListing() {
        #expect(throws: S3ListingProblem.wrongRoot("Error")) {
            try ListObjectsV2Page.parse(Array("<Error><Code>AccessDenied</Code></Error>".utf8))
        }
        #expect(throws: S3ListingProblem.notXML(line: 1, column: 19)) {
            try ListObjectsV2Page.parse(Array("<ListBucketResult><".utf8))
        }
        // Entity expansion ("billion laughs") and external entities never reach the parser.
        let entities = #"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaa">]><ListBucketResult>&a;</ListBucketResult>"#
        #expect(throws: S3ListingProblem.documentType) { try ListObjectsV2Page.parse(Array(entities.utf8)) }
    }

    @Test func problemsReadAsReasons() {
        #expect(S3ListingProblem.truncatedWithoutToken.description
            == "IsTruncated is true but NextContinuationToken is missing or empty")
        #expect(S3ListingProblem.repeatedToken.description
            == "NextContinuationToken repeats an earlier one, so the listing would never end")
        #expect(S3ListingProblem.documentType.description
            == "it declares a document type, which S3 never sends")
        #expect(S3ListingProblem.outOfOrder(key: "a").description == #"object "a" is not after the key before it"#)
    }
}
