using ActorTracing.Actors.Traces;
using ActorTracing.Domain.Delivery;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorTracing.Actors.Tests.Traces;

/// <summary>The shard's held receipts: each trace gets back exactly what it held, slots are reused, and a taken trace holds none.</summary>
public sealed class HeldReceiptsSpec : TestKit
{
    private static DeliveryReceipt Receipt(long id) => new(id, ActorRefs.Nobody);

    [Fact]
    public void Each_trace_gets_back_exactly_the_receipts_it_held_and_then_holds_none()
    {
        var held = new HeldReceipts();
        int a = HeldReceipts.None, b = HeldReceipts.None;
        held.Hold(ref a, Receipt(1));
        held.Hold(ref b, Receipt(2));
        held.Hold(ref a, Receipt(3));
        Assert.Equal(3, held.Count);

        Assert.Equal([3L, 1L], held.TakeAll(ref a).ToArray().Select(r => r.Id));
        Assert.Equal(HeldReceipts.None, a);
        Assert.True(held.TakeAll(ref a).IsEmpty);
        Assert.Equal([2L], held.TakeAll(ref b).ToArray().Select(r => r.Id));
        Assert.Equal(0, held.Count);
    }

    [Fact]
    public void A_trace_s_single_receipt_reaches_the_storage_callback_as_its_target_and_id_and_several_as_an_array()
    {
        var held = new HeldReceipts();
        var wait = new ConfirmationCountdown();
        int one = HeldReceipts.None, two = HeldReceipts.None, none = HeldReceipts.None;
        held.Hold(ref one, DeliveryReceipt.ForWait(wait));
        held.Hold(ref two, Receipt(7));
        held.Hold(ref two, Receipt(8));

        var single = held.TakeAll(ref one);
        var (state, value) = single.ToState();
        Assert.Same(wait, state); // no array for the usual case
        Assert.Equal(single.ToArray(), OwedReceipts.FromState(state, value).ToArray());
        var several = held.TakeAll(ref two);
        (state, value) = several.ToState();
        Assert.IsType<DeliveryReceipt[]>(state);
        Assert.Equal([8L, 7L], OwedReceipts.FromState(state, value).ToArray().Select(r => r.Id));
        (state, value) = held.TakeAll(ref none).ToState();
        Assert.True(OwedReceipts.FromState(state, value).IsEmpty);
        var remote = OwedReceipts.Of(Receipt(9));
        (state, value) = remote.ToState();
        Assert.Equal(remote.ToArray(), OwedReceipts.FromState(state, value).ToArray());
    }

    [Fact]
    public void A_receipt_is_held_as_16_bytes_whichever_it_names()
    {
        // One is held per message of every open trace (a trace's spans in one request): every byte
        // more is paid for each of those, and the bench's memory per buffered span saw 32 bytes.
        Assert.Equal(16, System.Runtime.CompilerServices.Unsafe.SizeOf<DeliveryReceipt>());
        var wait = new ConfirmationCountdown();
        var local = DeliveryReceipt.ForWait(wait);
        Assert.Same(wait, local.Waiting);
        Assert.Null(local.ConfirmTo);
        var remote = new DeliveryReceipt(42, ActorRefs.Nobody);
        Assert.Null(remote.Waiting);
        Assert.Equal((42L, 0), (remote.Id, remote.Cycle));
    }

    [Fact]
    public void Owing_a_trace_s_receipts_tells_each_local_wait_once()
    {
        var held = new HeldReceipts();
        var wait = new ConfirmationCountdown();
        wait.Expect();
        wait.Expect();
        wait.Seal();
        var shared = DeliveryReceipt.ForWait(wait);
        int a = HeldReceipts.None, b = HeldReceipts.None;
        held.Hold(ref a, shared);
        held.Hold(ref b, shared);

        held.OweAll(ref a, OwedConfirmations.Get(Sys), TimeSpan.FromMilliseconds(100));
        Assert.False(wait.Task.IsCompleted);
        held.OweAll(ref b, OwedConfirmations.Get(Sys), TimeSpan.FromMilliseconds(100));
        Assert.True(wait.Task.IsCompletedSuccessfully);
        Assert.Equal(HeldReceipts.None, a);
    }

    [Fact]
    public void Freed_slots_are_reused_before_the_arrays_grow_and_growth_keeps_every_chain()
    {
        var held = new HeldReceipts();
        var heads = Enumerable.Repeat(HeldReceipts.None, 100).ToArray();
        for (var round = 0; round < 10; round++)
        {
            for (var t = 0; t < heads.Length; t++)
            {
                held.Hold(ref heads[t], Receipt((t * 1000) + round));
            }
        }
        var capacity = held.Capacity;
        Assert.True(capacity >= 1000);
        for (var t = 0; t < heads.Length; t++)
        {
            Assert.Equal(Enumerable.Range(0, 10).Reverse().Select(r => (long)((t * 1000) + r)), held.TakeAll(ref heads[t]).ToArray().Select(r => r.Id));
        }
        for (var t = 0; t < heads.Length; t++)
        {
            for (var round = 0; round < 10; round++)
            {
                held.Hold(ref heads[t], Receipt(round));
            }
        }
        Assert.Equal(capacity, held.Capacity);
        Assert.Equal(1000, held.Count);
    }
}
