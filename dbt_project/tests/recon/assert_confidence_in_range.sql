-- Confidence is a probability-like score in 0..1.
select match_id, confidence from {{ ref('payment_matches') }} where confidence < 0 or confidence > 1 or confidence is null
