//! What a rep types after a call, parsed strictly: a duration, the time of
//! the call, the date of a follow-up, the notes. Every parser says what it
//! accepts, since its error is all the user sees before exit 2.

use chrono::{DateTime, Duration, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Salesforce's `Task.Description` length: notes beyond it would be refused.
pub const MAX_NOTES: usize = 32_000;

/// Longest call accepted: `CallDurationInSeconds` is an 8-digit integer, but
/// a call of more than a day is a typo (seconds typed as minutes, say).
const MAX_DURATION_SECONDS: u64 = 24 * 60 * 60;

/// Parses a call duration: `4m10s` (any humantime form), `4:10`, `1:02:03`,
/// or plain seconds `250`.
pub fn parse_duration(text: &str) -> Result<u32, String> {
    let text = text.trim();
    let seconds = if text.contains(':') {
        clock_seconds(text)
    } else if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse::<u64>().ok()
    } else {
        humantime::parse_duration(text).ok().map(|d| d.as_secs())
    };
    let Some(seconds) = seconds else {
        return Err(format!(
            "`{text}` is not a duration; write it as 4m10s, 4:10 or a number of seconds"
        ));
    };
    if seconds > MAX_DURATION_SECONDS {
        return Err(format!(
            "`{text}` is longer than a day; write the call's length, e.g. 4m10s"
        ));
    }
    Ok(u32::try_from(seconds).expect("a day of seconds fits in u32"))
}

/// `m:ss` or `h:mm:ss`.
fn clock_seconds(text: &str) -> Option<u64> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 2 && p != &parts[0])
    {
        return None;
    }
    let numbers: Vec<u64> = parts
        .iter()
        .map(|p| p.parse::<u64>().ok())
        .collect::<Option<_>>()?;
    if numbers[1..].iter().any(|&n| n >= 60) {
        return None;
    }
    Some(numbers.iter().fold(0, |total, n| total * 60 + n))
}

/// Parses when the call happened: RFC 3339 (`2026-05-01T09:30:00Z`), or a
/// local `YYYY-MM-DD HH:MM[:SS]` (also with `T`), or a local `YYYY-MM-DD`
/// (taken as noon, so the day survives any time zone). Times in the future
/// are refused: a call is logged after it happened.
pub fn parse_called_at(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    let parsed = DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| local_date_time(text));
    let Some(time) = parsed else {
        return Err(format!(
            "`{text}` is not a time; write 2026-05-01T09:30:00Z, `2026-05-01 09:30` (local \
             time) or 2026-05-01"
        ));
    };
    // A minute of slack for clocks that disagree a little.
    if time > now + Duration::minutes(1) {
        return Err(format!(
            "`{text}` is in the future; --at is when the call happened"
        ));
    }
    Ok(time)
}

fn local_date_time(text: &str) -> Option<DateTime<Utc>> {
    let naive = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(|date| date.and_time(NaiveTime::from_hms_opt(12, 0, 0).expect("noon")))
    })?;
    // The earlier of two readings when a clock change repeats the hour.
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Parses a follow-up date: `YYYY-MM-DD`, `tomorrow`, or `+N` / `+Nd` days
/// after `today`. It must not be before the call's day.
pub fn parse_follow_up(text: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let text = text.trim();
    let date = if text.eq_ignore_ascii_case("tomorrow") {
        today.succ_opt()
    } else if let Some(days) = text.strip_prefix('+') {
        let days = days.strip_suffix('d').unwrap_or(days);
        days.parse::<u32>()
            .ok()
            .filter(|&d| d <= 3_650)
            .and_then(|d| today.checked_add_days(chrono::Days::new(d.into())))
    } else {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    };
    let Some(date) = date else {
        return Err(format!(
            "`{text}` is not a date; write 2026-05-04, tomorrow, or +3d"
        ));
    };
    if date < today {
        return Err(format!(
            "follow-up date {date} is before the call ({today}); give a later date"
        ));
    }
    Ok(date)
}

/// Checks notes against Salesforce's limit, counted in characters as
/// Salesforce does.
pub fn check_notes(notes: &str) -> Result<(), String> {
    let length = notes.chars().count();
    if length > MAX_NOTES {
        return Err(format!(
            "the notes are {length} characters; a Salesforce Task holds at most {MAX_NOTES} \
             (shorten them, or keep the long version elsewhere)"
        ));
    }
    Ok(())
}

/// The call's day in the rep's time zone: the Task's `ActivityDate`.
pub fn local_date(time: DateTime<Utc>) -> NaiveDate {
    time.with_timezone(&Local).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_every_accepted_form() {
        assert_eq!(parse_duration("4m10s"), Ok(250));
        assert_eq!(parse_duration("4m 10s"), Ok(250));
        assert_eq!(parse_duration("250"), Ok(250));
        assert_eq!(parse_duration("4:10"), Ok(250));
        assert_eq!(parse_duration("1:02:03"), Ok(3723));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("1h"), Ok(3600));
    }

    #[test]
    fn bad_durations_say_what_is_accepted() {
        for bad in ["", "abc", "4:70", "-5", "4::10", "1:2:3:4", "2days", "25h"] {
            let error = parse_duration(bad).unwrap_err();
            assert!(
                error.contains("4m10s") || error.contains("longer than a day"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn call_times_parse_and_refuse_the_future() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 16, 0, 0).unwrap();
        let rfc = parse_called_at("2026-05-01T09:30:00Z", now).unwrap();
        assert_eq!(rfc, Utc.with_ymd_and_hms(2026, 5, 1, 9, 30, 0).unwrap());
        let offset = parse_called_at("2026-05-01T09:30:00+02:00", now).unwrap();
        assert_eq!(offset, Utc.with_ymd_and_hms(2026, 5, 1, 7, 30, 0).unwrap());
        assert!(parse_called_at("2026-05-01 09:30", now).is_ok());
        let day = parse_called_at("2026-05-01", now).unwrap();
        assert_eq!(
            local_date(day),
            NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
        );

        let future = parse_called_at("2027-01-01T00:00:00Z", now).unwrap_err();
        assert!(future.contains("future"), "{future}");
        let bad = parse_called_at("yesterday-ish", now).unwrap_err();
        assert!(bad.contains("2026-05-01T09:30:00Z"), "{bad}");
        assert!(parse_called_at("2026-02-30", now).is_err());
    }

    #[test]
    fn follow_up_dates() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(parse_follow_up("2026-12-10", today), Ok(date(2026, 12, 10)));
        assert_eq!(parse_follow_up("tomorrow", today), Ok(date(2026, 12, 4)));
        assert_eq!(parse_follow_up("+3d", today), Ok(date(2026, 12, 6)));
        assert_eq!(parse_follow_up("+30", today), Ok(date(2027, 1, 2)));
        assert!(
            parse_follow_up("2026-12-01", today)
                .unwrap_err()
                .contains("before")
        );
        assert!(
            parse_follow_up("next week", today)
                .unwrap_err()
                .contains("+3d")
        );
    }

    #[test]
    fn notes_are_limited_in_characters_not_bytes() {
        assert!(check_notes(&"é".repeat(MAX_NOTES)).is_ok());
        let error = check_notes(&"x".repeat(MAX_NOTES + 1)).unwrap_err();
        assert!(error.contains("32001 characters"), "{error}");
    }
}
