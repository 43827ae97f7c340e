//! DICOM DA / TM / DT values as seconds on one absolute time line.
//!
//! SUV needs only differences between times, so a plain count of seconds since
//! 1970-01-01 (proleptic Gregorian, UTC offsets applied when given) is enough.

/// A point in time, in seconds since 1970-01-01T00:00:00 (UTC when an offset was given,
/// otherwise in the scanner's local time, which all times of one study share).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, serde::Serialize)]
pub struct Instant(pub f64);

impl Instant {
    /// Seconds from `earlier` to `self`.
    pub fn seconds_since(self, earlier: Instant) -> f64 {
        self.0 - earlier.0
    }

    /// Combines a DA date (`YYYYMMDD`) with a TM time (`HHMMSS.FFFFFF`, parts optional).
    pub fn from_date_time(date: &str, time: &str) -> Option<Self> {
        Some(Self(parse_date(date)? + parse_time(time)?))
    }

    /// Parses a DT value `YYYYMMDDHHMMSS.FFFFFF&ZZXX` (time and offset optional).
    pub fn from_dt(dt: &str) -> Option<Self> {
        let dt = dt.trim();
        let (body, offset) = match dt.find(['+', '-']) {
            Some(i) if i >= 8 => (&dt[..i], parse_offset(&dt[i..])?),
            _ => (dt, 0.0),
        };
        if body.len() < 8 || !body.is_char_boundary(8) {
            return None;
        }
        let (date, time) = body.split_at(8);
        let time = if time.is_empty() { "000000" } else { time };
        Some(Self(parse_date(date)? + parse_time(time)? - offset))
    }

    /// This instant shifted by a number of seconds.
    pub fn plus_seconds(self, s: f64) -> Self {
        Self(self.0 + s)
    }

    /// Formats as `YYYY-MM-DD HH:MM:SS` for messages.
    pub fn display(self) -> String {
        let days = (self.0 / 86400.0).floor();
        let secs = self.0 - days * 86400.0;
        let (y, m, d) = civil_from_days(days as i64);
        let s = secs.round() as i64;
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            s / 3600,
            (s / 60) % 60,
            s % 60
        )
    }
}

/// Seconds since midnight of a TM value (`HH`, `HHMM`, `HHMMSS`, `HHMMSS.F...`; the old
/// `HH:MM:SS` form is accepted too).
pub fn parse_time(tm: &str) -> Option<f64> {
    let tm: String = tm.trim().chars().filter(|c| *c != ':').collect();
    let (whole, frac) = match tm.split_once('.') {
        Some((w, f)) => (w, f),
        None => (tm.as_str(), ""),
    };
    if whole.len() < 2 || whole.len() % 2 != 0 || whole.len() > 6 {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| whole.get(r).and_then(|s| s.parse::<u32>().ok());
    let h = num(0..2)?;
    let m = if whole.len() >= 4 { num(2..4)? } else { 0 };
    let s = if whole.len() >= 6 { num(4..6)? } else { 0 };
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let frac = if frac.is_empty() {
        0.0
    } else if frac.bytes().all(|b| b.is_ascii_digit()) {
        format!("0.{frac}").parse::<f64>().ok()?
    } else {
        return None;
    };
    Some(h as f64 * 3600.0 + m as f64 * 60.0 + s as f64 + frac)
}

/// Seconds from 1970-01-01 to midnight starting a DA date `YYYYMMDD`.
pub fn parse_date(da: &str) -> Option<f64> {
    let da: String = da
        .trim()
        .chars()
        .filter(|c| *c != '.' && *c != '-')
        .collect();
    if da.len() != 8 || !da.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i64 = da[0..4].parse().ok()?;
    let m: u32 = da[4..6].parse().ok()?;
    let d: u32 = da[6..8].parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) as f64 * 86400.0)
}

fn parse_offset(s: &str) -> Option<f64> {
    if s.len() != 5 {
        return None;
    }
    let sign = if s.starts_with('-') { -1.0 } else { 1.0 };
    let h: f64 = s.get(1..3)?.parse().ok()?;
    let m: f64 = s.get(3..5)?.parse().ok()?;
    Some(sign * (h * 3600.0 + m * 60.0))
}

/// Days since 1970-01-01 of a Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The (year, month, day) of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_times() {
        assert_eq!(parse_time("103500.00"), Some(38100.0));
        assert_eq!(parse_time("1035"), Some(38100.0));
        assert_eq!(parse_time("10:35:00"), Some(38100.0));
        assert_eq!(parse_time("112011.5"), Some(40811.5));
        assert_eq!(parse_time("25"), None);
        assert_eq!(parse_time("abc"), None);
        assert_eq!(parse_time(""), None);
    }

    #[test]
    fn parses_dates_and_datetimes() {
        assert_eq!(parse_date("19700102"), Some(86400.0));
        assert_eq!(parse_date("2000130"), None);
        let a = Instant::from_dt("20000907103500").unwrap();
        let b = Instant::from_date_time("20000907", "112011.00").unwrap();
        assert_eq!(b.seconds_since(a), 2711.0);
        let utc = Instant::from_dt("20000907113500+0100").unwrap();
        assert_eq!(utc, a);
        assert_eq!(a.display(), "2000-09-07 10:35:00");
        assert!(Instant::from_dt("2000").is_none());
    }

    #[test]
    fn crosses_midnight() {
        let late = Instant::from_date_time("20201231", "235900").unwrap();
        let early = Instant::from_date_time("20210101", "000100").unwrap();
        assert_eq!(early.seconds_since(late), 120.0);
    }
}
