@testable import CloudAPI
import Testing

/// The dates the HTTP layer writes and reads, against `date -u` (GNU coreutils) as truth.
@Suite struct HTTPDateTests {
    /// `date -u -d @SECONDS +%Y%m%dT%H%M%SZ` for each.
    @Test(arguments: [(0, "19700101T000000Z"), (951_782_400, "20000229T000000Z"), (1_573_789_015, "20191115T033655Z")])
    func signingDatesAreUTCInTheGuidesFormat(_ seconds: Int, _ expected: String) {
        #expect(HTTPDate.signingFormat(seconds) == expected)
    }

    @Test func retryAfterTakesSecondsOrAnHTTPDate() {
        // `date -u -d "Sun, 06 Nov 1994 08:49:37 GMT" +%s` is 784111777.
        #expect(parseRetryAfter("120", now: 0) == 120)
        #expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_770) == 7)
        #expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_800) == 0)
        #expect(parseRetryAfter("soon", now: 0) == nil)
        #expect(parseRetryAfter("-5", now: 0) == nil)
    }

    @Test func backoffDoublesWithJitterAndACap() {
        let configuration = HTTPConfiguration()
        for attempt in 1...6 {
            let full = min(configuration.backoffCap, configuration.backoffBase * Double(1 << (attempt - 1)))
            for _ in 0..<50 {
                let delay = configuration.delay(afterAttempt: attempt, retryAfter: nil)
                #expect(delay >= full / 2 && delay <= full)
            }
        }
        #expect(configuration.delay(afterAttempt: 1, retryAfter: 3) == 3)
    }
}
