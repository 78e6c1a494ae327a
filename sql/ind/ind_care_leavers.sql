-- Care leavers (Annex A list 9): young people entitled to leaving-care services at the period end, whether the
-- local authority is in touch, whether their accommodation is suitable, and whether they are in education,
-- employment or training.
-- Grain: one row per indicator_code x breakdown x breakdown_value.
-- Inputs: stg_care_leavers. Parameters: $period_start, $period_end.
-- Counting rules (DfE's care leaver statistics, SSDA903; LAIT CareLeaverAcc, CareLeaverEET,
-- CareLeavers_LA_NotInTouch, NoCareLeavers):
--   * list 9 is a snapshot: everyone entitled at the return's date, so a window reads the return of the quarter
--     holding its end (counting rule open_at_period_end); one row per young person;
--   * age at the period end from the date of birth (kept to the month), else the age the list gives;
--   * DfE's groups: 19-21 = former relevant young people aged 19, 20 or 21 at 31 March (their 19th, 20th or
--     21st birthday fell in the year); 17-18 = relevant and former relevant young people aged 17 or 18.
--     Young people who have died or returned home for six months or more (LA in Touch DIED, RHOM) are left out,
--     as DfE leaves them out; not in touch, refused contact and no longer requiring services stay in;
--   * in touch = LA in Touch 'YES'; not in touch = 'NO' (DfE's "not in touch" also leaves out young people whose
--     activity a third party told the authority: Annex A cannot see that);
--   * suitable accommodation = Suitability '1', of the group less those abroad, deported or whose residence is not
--     known (accommodation G, H, R), as DfE; a suitability not recorded counts in the denominator only;
--   * education, employment or training = activity F1-F5 or P1-P5 (NEET G4-G6); an activity not recorded counts
--     in the denominator only.

with care_leavers as (
    select
        *,
        coalesce(date_sub('year', date_of_birth, $period_end::date), floor(age_years)::integer) as age_at_end,
        -- a snapshot needs only the period end; the start is taken like every indicator query's
        $period_start::date as window_start
    from stg_care_leavers
),

in_groups as (
    select
        *,
        case
            when eligibility_category = 'former_relevant' and age_at_end between 19 and 21 then '19-21'
            when eligibility_category in ('relevant', 'former_relevant') and age_at_end between 17 and 18 then '17-18'
        end as age_group
    from care_leavers
    where coalesce(in_touch, '') not in ('DIED', 'RHOM')
),

by_group as (
    select
        age_group,
        count(*) as young_people,
        count(*) filter (where in_touch = 'YES') as in_touch,
        count(*) filter (where in_touch = 'NO') as not_in_touch,
        count(*) filter (where coalesce(accommodation_type, '') not in ('G', 'H', 'R')) as accommodation_known,
        count(*) filter (where accommodation_suitable = '1'
                         and coalesce(accommodation_type, '') not in ('G', 'H', 'R')) as suitable,
        count(*) filter (where activity_status in ('F1', 'F2', 'F3', 'F4', 'F5', 'P1', 'P2', 'P3', 'P4', 'P5'))
            as eet
    from in_groups
    where age_group is not null
    group by age_group
),

groups as (
    select wanted.age_group, coalesce(young_people, 0) as young_people, coalesce(in_touch, 0) as in_touch,
           coalesce(not_in_touch, 0) as not_in_touch, coalesce(accommodation_known, 0) as accommodation_known,
           coalesce(suitable, 0) as suitable, coalesce(eet, 0) as eet
    from (values ('17-18'), ('19-21')) as wanted(age_group)
    left join by_group using (age_group)
),

g17 as (select * from groups where age_group = '17-18'),
g19 as (select * from groups where age_group = '19-21'),

final as (
    select 'care_leavers_total' as indicator_code, 'total' as breakdown, 'All' as breakdown_value,
           (select count(*) from stg_care_leavers) as numerator, null::double as denominator
    union all select 'care_leavers_19_21', 'total', 'All', young_people, null from g19
    union all select 'care_leavers_17_18_in_touch_pct', 'total', 'All', in_touch, young_people from g17
    union all select 'care_leavers_19_21_in_touch_pct', 'total', 'All', in_touch, young_people from g19
    union all select 'care_leavers_19_21_not_in_touch_pct', 'total', 'All', not_in_touch, young_people from g19
    union all select 'care_leavers_17_18_suitable_accommodation_pct', 'total', 'All', suitable, accommodation_known
              from g17
    union all select 'care_leavers_19_21_suitable_accommodation_pct', 'total', 'All', suitable, accommodation_known
              from g19
    union all select 'care_leavers_17_18_eet_pct', 'total', 'All', eet, young_people from g17
    union all select 'care_leavers_19_21_eet_pct', 'total', 'All', eet, young_people from g19
)

select * from final
