/// The four limits of one model, and admission against all of them at once.
struct ModelMeters: Sendable {
    /// One of the four limits, named as Groq names them in 429 bodies.
    enum Kind: String, CaseIterable, Sendable {
        case rpm = "RPM"
        case rpd = "RPD"
        case tpm = "TPM"
        case tpd = "TPD"

        var phrase: String {
            switch self {
            case .rpm: "requests per minute"
            case .rpd: "requests per day"
            case .tpm: "tokens per minute"
            case .tpd: "tokens per day"
            }
        }

        var isTokens: Bool { self == .tpm || self == .tpd }
    }

    /// Why a request was not admitted.
    struct Refusal: Error, Sendable {
        var kind: Kind
        var limit: Int
        var used: Int
        var requested: Int
        var wait: Double
    }

    /// The spends of an admitted request, for settling.
    struct Admission: Sendable {
        var tpm: UsageMeter.Ticket
        var tpd: UsageMeter.Ticket
    }

    var meters: [Kind: UsageMeter]

    init(model: SimulatedModel, enforcement: LimitEnforcement) {
        meters = [
            .rpm: UsageMeter(limit: model.rpm, period: 60, enforcement: enforcement),
            .rpd: UsageMeter(limit: model.rpd, period: 86_400, enforcement: enforcement),
            .tpm: UsageMeter(limit: model.tpm, period: 60, enforcement: enforcement),
            .tpd: UsageMeter(limit: model.tpd, period: 86_400, enforcement: enforcement),
        ]
    }

    /// Spends one request and `tokens` on every meter, or says which limit refuses (the longest wait).
    mutating func admit(tokens: Int, at now: Double) -> Result<Admission, Refusal> {
        var refusals: [Refusal] = []
        for kind in Kind.allCases {
            guard var meter = meters[kind], !meter.isUnlimited else { continue }
            let amount = kind.isTokens ? tokens : 1
            let wait = meter.wait(for: amount, at: now)
            if wait > 0 {
                refusals.append(Refusal(kind: kind, limit: meter.limit, used: meter.used(at: now), requested: amount, wait: wait))
            }
            meters[kind] = meter
        }
        if let refusal = refusals.max(by: { $0.wait < $1.wait }) { return .failure(refusal) }
        _ = meters[.rpm]!.spend(1, at: now)
        _ = meters[.rpd]!.spend(1, at: now)
        return .success(Admission(tpm: meters[.tpm]!.spend(tokens, at: now), tpd: meters[.tpd]!.spend(tokens, at: now)))
    }

    /// Returns the unused part of a reservation.
    mutating func settle(_ admission: Admission, actualTokens: Int, at now: Double) {
        meters[.tpm]!.refund(admission.tpm.amount - actualTokens, of: admission.tpm, at: now)
        meters[.tpd]!.refund(admission.tpd.amount - actualTokens, of: admission.tpd, at: now)
    }

    mutating func setLimits(_ limits: [Kind: Int], at now: Double) {
        for (kind, limit) in limits { meters[kind]!.setLimit(limit, at: now) }
    }

    /// Groq's headers: `-requests` describe the day, `-tokens` the minute.
    mutating func headers(at now: Double) -> [(String, String)] {
        var fields: [(String, String)] = []
        if var rpd = meters[.rpd], !rpd.isUnlimited {
            fields += [
                ("x-ratelimit-limit-requests", "\(rpd.limit)"),
                ("x-ratelimit-remaining-requests", "\(rpd.remaining(at: now))"),
                ("x-ratelimit-reset-requests", GoDurationText.format(rpd.resetIn(at: now))),
            ]
            meters[.rpd] = rpd
        }
        if var tpm = meters[.tpm], !tpm.isUnlimited {
            fields += [
                ("x-ratelimit-limit-tokens", "\(tpm.limit)"),
                ("x-ratelimit-remaining-tokens", "\(tpm.remaining(at: now))"),
                ("x-ratelimit-reset-tokens", GoDurationText.format(tpm.resetIn(at: now))),
            ]
            meters[.tpm] = tpm
        }
        return fields
    }
}
