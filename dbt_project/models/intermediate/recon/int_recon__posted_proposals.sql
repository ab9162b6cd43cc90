-- depends_on: {{ ref('gl_entries') }}
-- What tieout itself has posted to Sage 100: a proposal version whose entry (EntryNo 'T' + the first
-- nine hex digits of sha256(proposal_id:content_hash), as writeback's VI import writes it into
-- GL_DetailPosting.DocumentNo) is in Sage 100's general ledger, with the records that version summarized
-- (journals.proposal_source_log, from earlier builds). Sage 100 itself says what is posted, rather than
-- writeback's ops.outbox: a crash between posting and marking the outbox row posted changes nothing, and
-- a posting the outbox claims but Sage 100 does not hold closes nothing. The log is read as it stood before this build (it is
-- appended at the end of the build), hence no ref() to it: on the first build it does not exist yet.
{%- set log = adapter.get_relation(database=target.database, schema='journals', identifier='proposal_source_log') if execute else none %}
with tieout_entries as (
    select document_number as entry_no, min(sage100_journal_register_no) as register_no, min(posting_date) as posted_on
    from {{ ref('gl_entries') }}
    where system = 'sage100' and sage100_source_journal = 'GJ' and document_number like 'T%'
    group by document_number
)
{% if log is not none %}
select
    l.proposal_id, l.content_hash, l.kind, l.period, l.source_system, l.source_key, l.document_number,
    l.exception_id, l.exception_type, l.sage100_document_key, e.entry_no, e.register_no, e.posted_on
from {{ log }} as l
inner join tieout_entries as e on e.entry_no = 'T' || upper(left(sha256(l.proposal_id || ':' || l.content_hash), 9))
where l.target = 'sage100'
{% else %}
select
    cast(null as varchar) as proposal_id, cast(null as varchar) as content_hash, cast(null as varchar) as kind,
    cast(null as varchar) as period, cast(null as varchar) as source_system, cast(null as varchar) as source_key,
    cast(null as varchar) as document_number, cast(null as varchar) as exception_id,
    cast(null as varchar) as exception_type, cast(null as varchar) as sage100_document_key,
    entry_no, register_no, posted_on
from tieout_entries
where false
{% endif %}
