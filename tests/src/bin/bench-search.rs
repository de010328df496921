//! Public search benchmark (a command, not a test): answering's release binary on a database
//! of its own, loaded with `BENCH_ANSWERS` (1,000,000) published answers written from a
//! vocabulary of Vietnamese phrases about administrative procedures (every unit, every field),
//! then each kind of search asked `BENCH_ROUNDS` (40) times through the HTTP API, one after
//! another; prints p50/p99/max and how many answers matched.
//!
//! `tests/bench-search` builds and runs it. The load goes straight into answering's table in
//! bulk (the documented bulk path: `INSERT … SELECT generate_series`, the search index built
//! after), since a million answers through the whole platform would take hours here.

use doithoai_journeys::bench::{self, ms, percentile, setting};
use doithoai_journeys::{Service, platform_env};
use doithoai_testkit::SmtpSink;
use doithoai_web::text::fold;
use std::time::{Duration, Instant};

/// What published answers are made of: questions people ask and what wards answer.
const PHRASES: &[&str] = &[
    "Bộ phận một cửa yêu cầu nộp lại bản sao giấy khai sinh",
    "thủ tục đăng ký thường trú mất quá nhiều thời gian",
    "hồ sơ cấp giấy chứng nhận quyền sử dụng đất bị trả lại",
    "cán bộ tiếp nhận hướng dẫn chưa rõ ràng",
    "đề nghị công khai danh mục giấy tờ cần nộp",
    "cổng dịch vụ công trực tuyến báo lỗi khi thanh toán lệ phí",
    "giấy phép xây dựng nhà ở riêng lẻ chậm hơn hạn",
    "đăng ký kết hôn phải xuất trình giấy xác nhận tình trạng hôn nhân",
    "chứng thực bản sao từ bản chính phải xếp hàng lâu",
    "trích lục hộ tịch không cấp được qua bưu điện",
    "đăng ký hộ kinh doanh cần thêm giấy tờ không có trong quy định",
    "xác nhận thông tin cư trú khi dữ liệu dân cư đã có",
    "miễn giảm học phí cho con thương binh",
    "trợ cấp xã hội cho người cao tuổi chưa được chi trả",
    "cấp đổi thẻ bảo hiểm y tế cho trẻ em dưới sáu tuổi",
    "vỉa hè bị lấn chiếm làm nơi kinh doanh",
    "rác thải sinh hoạt không được thu gom đúng giờ",
    "đèn chiếu sáng công cộng trong ngõ hỏng nhiều tháng",
    "UBND phường đã rà soát và chấn chỉnh bộ phận tiếp nhận",
    "theo quy định người dân không phải nộp lại giấy tờ đã có trong cơ sở dữ liệu quốc gia",
    "đơn vị đã bổ sung hướng dẫn trên cổng thông tin điện tử",
    "thời hạn giải quyết là năm ngày làm việc kể từ ngày nhận đủ hồ sơ",
    "hồ sơ của ông bà đã được chuyển đến phòng chuyên môn",
    "lệ phí được niêm yết công khai tại trụ sở",
    "đề nghị liên hệ bộ phận một cửa trong giờ hành chính",
    "phường sẽ tổ chức kiểm tra và xử lý vi phạm",
    "kiến nghị đã được tổng hợp báo cáo Ủy ban nhân dân Thành phố",
    "việc cấp giấy chứng nhận thực hiện theo Luật Đất đai năm 2024",
    "ứng dụng iHanoi hỗ trợ tra cứu tình trạng hồ sơ",
    "cán bộ vi phạm đã được nhắc nhở và kiểm điểm",
    "giấy tờ tùy thân bản điện tử trên VNeID có giá trị như bản giấy",
    "lịch tiếp công dân được công bố hằng tháng",
];

/// A rare phrase: in one answer in a thousand.
const RARE: &str = "đề nghị bố trí bãi đỗ xe đạp điện cho người khuyết tật";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    doithoai_testkit::install_tls_provider();
    let total = setting("BENCH_ANSWERS", 1_000_000) as i64;
    let rounds = setting("BENCH_ROUNDS", 40) as usize;
    let smtp = SmtpSink::start()?;
    let ns = doithoai_testkit::unique_name();
    let env = platform_env(&ns, "answering", &smtp.url())
        .set("READS_PER_MINUTE", "0")
        .set("HTTP_WORKERS", "2");
    let db = env.overrides["DATABASE_URL"].clone();
    let answering = Service::start("answering", env)?;
    answering.ready(Duration::from_secs(60)).await?;
    let mut conn = AsyncPgConnection::establish(&db).await?;

    let t = Instant::now();
    let vi: Vec<String> = PHRASES.iter().map(|p| (*p).to_owned()).collect();
    let folded: Vec<String> = PHRASES.iter().map(|p| fold(p)).collect();
    let units: Vec<String> = csv_codes(include_str!("../../../data/hanoi-units.csv"));
    let fields: Vec<String> = csv_codes(include_str!("../../../data/procedure-fields.csv"));
    diesel::sql_query("DROP INDEX IF EXISTS cases_search")
        .execute(&mut conn)
        .await?;
    let chunk = 100_000i64;
    let mut from = 1i64;
    while from <= total {
        let to = (from + chunk - 1).min(total);
        use diesel::sql_types::{Array, BigInt, Text};
        diesel::sql_query(
            "INSERT INTO cases (petition_id, tracking_code, unit_code, unit_name, department_code, \
               department_name, due_at, status, kind, field_code, question, submitter, \
               consent_to_publish_identity, received_at, official_number, answer, signed_by, \
               answered_at, public_title, public_question, public_answer, search_folded, published_at) \
             SELECT gen_random_uuid(), 'BENCH-' || g, $3[1 + g % cardinality($3)], 'Đơn vị', 'van-phong', \
               'Văn phòng', now(), 'approved', 'feedback', $4[1 + (g / 7) % cardinality($4)], q, '{}', \
               false, now() - make_interval(secs => g), g || '/2026/TL-PAKN', a, 'bench', now(), \
               NULL, q, a, fq || ' ' || fa, now() - make_interval(secs => g) \
             FROM generate_series($1::bigint, $2::bigint) g, \
             LATERAL (SELECT \
               $5[1 + (g * 7919) % cardinality($5)] || '. ' || $5[1 + (g * 104729 + 3) % cardinality($5)] \
                 || CASE WHEN g % 1000 = 0 THEN '. ' || $7 ELSE '' END AS q, \
               $6[1 + (g * 7919) % cardinality($6)] || ' ' || $6[1 + (g * 104729 + 3) % cardinality($6)] \
                 || CASE WHEN g % 1000 = 0 THEN ' ' || $8 ELSE '' END AS fq, \
               $5[1 + (g * 31 + 11) % cardinality($5)] || '. ' || $5[1 + (g * 131 + 5) % cardinality($5)] || '. ' \
                 || $5[1 + (g * 1031 + 17) % cardinality($5)] AS a, \
               $6[1 + (g * 31 + 11) % cardinality($6)] || ' ' || $6[1 + (g * 131 + 5) % cardinality($6)] || ' ' \
                 || $6[1 + (g * 1031 + 17) % cardinality($6)] AS fa) t",
        )
        .bind::<BigInt, _>(from)
        .bind::<BigInt, _>(to)
        .bind::<Array<Text>, _>(&units)
        .bind::<Array<Text>, _>(&fields)
        .bind::<Array<Text>, _>(&vi)
        .bind::<Array<Text>, _>(&folded)
        .bind::<Text, _>(RARE)
        .bind::<Text, _>(fold(RARE))
        .execute(&mut conn)
        .await?;
        eprintln!("  loaded {to} answers ({:.0} s)", t.elapsed().as_secs_f64());
        from = to + 1;
    }
    diesel::sql_query(
        "CREATE INDEX cases_search ON cases USING gin (search_vector) WHERE published_at IS NOT NULL",
    )
    .execute(&mut conn)
    .await?;
    diesel::sql_query("VACUUM ANALYZE cases")
        .execute(&mut conn)
        .await?;
    println!(
        "search benchmark: {total} published answers loaded and indexed in {:.0} s; {rounds} rounds of each search, one at a time, through the HTTP API",
        t.elapsed().as_secs_f64()
    );

    let client = reqwest::Client::new();
    let base = answering.base();
    let searches = [
        ("city-wide, two words", "q=ban+sao"),
        ("city-wide, three words", "q=giay+khai+sinh"),
        ("city-wide, four words, few matches", "q=bai+do+xe+dap"),
        ("a word that matches nothing", "q=xyzzyq"),
        ("a partial last word", "q=chung+nha"),
        ("one unit, two words", "q=dat+dai&unit=phuong-lang"),
        (
            "one unit and field, three words",
            "q=ho+so+cua&unit=phuong-ba-dinh&field=ho-tich",
        ),
        ("city-wide, page 10", "q=ho+so&page=10"),
        ("newest first, city-wide", "limit=20"),
        ("newest first, one unit", "unit=phuong-lang&limit=20"),
    ];
    let mut all = Vec::new();
    for (name, qs) in searches {
        let url = format!("{base}/api/v1/answers?{qs}");
        let first: serde_json::Value = client.get(&url).send().await?.json().await?;
        let shown = first["answers"].as_array().map_or(0, Vec::len);
        let times = bench::rounds(|| client.get(&url), rounds, name).await?;
        all.extend(times.iter().copied());
        println!("  {name:<36} {}  ({shown} shown)", bench::summary(&times));
    }
    all.sort();
    let p99 = ms(percentile(&all, 0.99));
    println!(
        "all searches: p99 {p99:.1} ms: {}",
        if p99 <= 50.0 {
            "within the 50 ms target"
        } else {
            "over the 50 ms target"
        }
    );
    drop(answering);
    Ok(())
}

/// The first column of a CSV file with a header.
fn csv_codes(text: &str) -> Vec<String> {
    text.lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}
